<#
.SYNOPSIS
    Plan, gate and (optionally) apply a dumpsync clean-up of an SMS 1.2 site.

.DESCRIPTION
    1. dumpsync plan    exports what is stale into plan.json (nothing changes).
    2. dumpsync schema  checks that plan.json is well-formed (PowerShell 7.4+, Test-Json).
    3. dumpsync check   gates the plan: every path under the site or a logon
                        server, at most -MaxDelete file deletions and at most
                        -MaxRemove entry removals.
    4. dumpsync apply   carries the plan out, confined to the same folders; without
                        -Apply it only shows what it would do (--what-if).

    The script stops at the first step that does not exit 0 and exits with that
    step's code, so a CI job fails with dumpsync's own meaning:
        0  success
        1  done, but something needs attention (see the log; for check: the gate failed)
        2  usage error or invalid input; nothing was changed

    Works in Windows PowerShell 5.1 and PowerShell 7.x; the schema step needs 7.4+
    and is skipped (with a warning) before that.

.EXAMPLE
    .\scripts\ci-gate.ps1 -Site \\sms01\SMS_ABC -Logon \\LOGON1\SMSLOGON, \\LOGON2\SMSLOGON -Days 90

.EXAMPLE
    .\scripts\ci-gate.ps1 -Site D:\SMS -Days 90 -MaxDelete 500 -MaxRemove 100000 -Apply
#>
[CmdletBinding()]
param(
    # An SMS root, its Site.srv or its Invdom.box.
    [Parameter(Mandatory = $true)]
    [string] $Site,

    # Logon servers: Logon.srv folders or share roots holding one.
    [string[]] $Logon = @(),

    # Requests more than this many days old are stale.
    [ValidateRange(0, 100000)]
    [int] $Days = 90,

    # The gate: at most this many .cfg files deleted ...
    [ValidateRange(0, [int]::MaxValue)]
    [int] $MaxDelete = 500,

    # ... and at most this many Resync.cfg entries removed.
    [ValidateRange(0, [int]::MaxValue)]
    [int] $MaxRemove = 100000,

    # Where plan.json, check.json and results.json go.
    [string] $OutDir = '.',

    # The dumpsync executable.
    [string] $Dumpsync = 'dumpsync',

    # Really apply the plan; without it apply runs with --what-if.
    [switch] $Apply
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
# PowerShell 7.3+ could turn a non-zero exit into an exception; this script
# reads $LASTEXITCODE itself, so that each code keeps its meaning.
$PSNativeCommandUseErrorActionPreference = $false

$planFile   = Join-Path $OutDir 'plan.json'
$schemaFile = Join-Path $OutDir 'plan.schema.json'
$checkFile  = Join-Path $OutDir 'check.json'
$resultFile = Join-Path $OutDir 'results.json'

# Invoke-Step runs one dumpsync step and stops the script with its exit code
# unless it is 0.
function Invoke-Step {
    param([string] $Name, [string[]] $Arguments)
    Write-Host "== $Name`: $Dumpsync $($Arguments -join ' ')"
    & $Dumpsync @Arguments
    $code = $LASTEXITCODE
    switch ($code) {
        0 { return }
        1 { Write-Warning "$Name needs attention (exit 1); stopping." }
        2 { Write-Warning "$Name`: usage error or invalid input (exit 2); nothing was changed." }
        default { Write-Warning "$Name exited with $code." }
    }
    exit $code
}

New-Item -ItemType Directory -Force -Path $OutDir | Out-Null

# 1. Plan. Every --logon is repeated once per server.
$planArgs = @('plan', '--days', "$Days", '--site', $Site)
foreach ($l in $Logon) { $planArgs += @('--logon', $l) }
$planArgs += @('--out', $planFile)
Invoke-Step 'plan' $planArgs

# 2. Validate the export against its schema (Test-Json knows draft 2020-12 from 7.4).
Invoke-Step 'schema' @('schema', 'plan', '--array', '--out', $schemaFile)
if ($PSVersionTable.PSVersion -ge [version]'7.4') {
    $schemaErrors = $null
    $ok = Test-Json -Path $planFile -SchemaFile $schemaFile -ErrorAction SilentlyContinue -ErrorVariable schemaErrors
    if (-not $ok) {
        $schemaErrors | ForEach-Object { Write-Warning "$planFile`: $_" }
        Write-Warning "schema: $planFile does not match 'dumpsync schema plan' (exit 2); nothing was changed."
        exit 2
    }
} else {
    Write-Warning "schema: PowerShell $($PSVersionTable.PSVersion) has no draft 2020-12 Test-Json; validation skipped."
}

# 3. Gate. The findings go to check.json for the job's log or artifacts.
$checkArgs = @('check', '--plan', $planFile, '--allow-root', $Site)
foreach ($l in $Logon) { $checkArgs += @('--allow-root', $l) }
$checkArgs += @('--max-delete', "$MaxDelete", '--max-remove', "$MaxRemove", '--out', $checkFile)
Invoke-Step 'check' $checkArgs

# 4. Apply, confined to the same folders.
$applyArgs = @('apply', $planFile, '--within', $Site)
foreach ($l in $Logon) { $applyArgs += @('--within', $l) }
if (-not $Apply) { $applyArgs += '--what-if' }
$applyArgs += @('--out', $resultFile)
Invoke-Step 'apply' $applyArgs

Write-Host "== done: $resultFile"
exit 0
