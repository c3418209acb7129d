# DumpSync: a thin PowerShell wrapper of dumpsync.exe. Every decision stays in
# the binary; these functions only turn its JSON into objects (with
# PSTypeNames for the default views of DumpSync.Format.ps1xml) and its exit
# codes into PowerShell errors. dumpsync must be on PATH, or set
# $env:DUMPSYNC to its full path.

Set-StrictMode -Version 3

function Get-DumpSyncExe {
    if ($env:DUMPSYNC) { return $env:DUMPSYNC }
    return 'dumpsync'
}

# Invoke-DumpSync runs dumpsync with -f json and returns its records as
# objects named TypeName. Exit 2 (and 1 unless -AttentionIsWarning) is a
# terminating error carrying dumpsync's stderr; with -AttentionIsWarning,
# exit 1 is a non-terminating Write-Error (check's failed gate).
function Invoke-DumpSync {
    param(
        [Parameter(Mandatory)] [string[]] $Arguments,
        [Parameter(Mandatory)] [string] $TypeName,
        [switch] $AttentionIsWarning
    )
    $errFile = [System.IO.Path]::GetTempFileName()
    try {
        $out = & (Get-DumpSyncExe) @Arguments -f json 2> $errFile
        $code = $LASTEXITCODE
        $message = (Get-Content -LiteralPath $errFile -ErrorAction SilentlyContinue) -join [Environment]::NewLine
    } finally {
        Remove-Item -LiteralPath $errFile -ErrorAction SilentlyContinue
    }
    # ConvertFrom-Json returns the array as one object in 5.1: enumerate it explicitly.
    $records = @()
    if ($out) { $records = @(($out -join "`n") | ConvertFrom-Json) }
    foreach ($r in $records) {
        foreach ($one in @($r)) {
            $one.PSObject.TypeNames.Insert(0, $TypeName)
            $one
        }
    }
    if ($code -eq 1 -and $AttentionIsWarning) {
        Write-Error -Message $message -ErrorId "DumpSyncExit1" -Category InvalidResult
    } elseif ($code -ne 0) {
        throw "dumpsync exited with $code`: $message"
    }
}

function Get-DumpSyncEntry {
    [CmdletBinding()]
    param(
        [Parameter(ValueFromPipeline, ValueFromPipelineByPropertyName)] [Alias('FullName')] [string[]] $Path = @('.'),
        [switch] $Raw,
        [string] $Now
    )
    begin { $all = [System.Collections.Generic.List[string]]::new() }
    process { foreach ($p in $Path) { $all.Add($p) } }
    end {
        $a = @('dump') + $all
        if ($Raw) { $a += '--raw' }
        if ($Now) { $a += @('--now', $Now) }
        Invoke-DumpSync -Arguments $a -TypeName 'DumpSync.Entry'
    }
}

function Get-DumpSyncStats {
    [CmdletBinding()]
    param(
        [Parameter(ValueFromPipeline, ValueFromPipelineByPropertyName)] [Alias('FullName')] [string[]] $Path,
        [string[]] $Site,
        [string[]] $Logon,
        [string] $Now
    )
    begin { $all = [System.Collections.Generic.List[string]]::new() }
    process { foreach ($p in $Path) { if ($p) { $all.Add($p) } } }
    end {
        $a = @('stats') + $all
        foreach ($s in $Site) { $a += @('--site', $s) }
        foreach ($l in $Logon) { $a += @('--logon', $l) }
        if ($Now) { $a += @('--now', $Now) }
        Invoke-DumpSync -Arguments $a -TypeName 'DumpSync.Stats'
    }
}

function New-DumpSyncPlan {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [int] $Days,
        [Parameter(ValueFromPipeline, ValueFromPipelineByPropertyName)] [Alias('FullName')] [string[]] $Domain,
        [string[]] $Site,
        [string[]] $Logon,
        [switch] $Orphans,
        [switch] $LogonAllCfg,
        [switch] $IncludeInvalid,
        [string] $Now
    )
    begin { $all = [System.Collections.Generic.List[string]]::new() }
    process { foreach ($d in $Domain) { if ($d) { $all.Add($d) } } }
    end {
        $a = @('plan', '--days', $Days) + $all
        foreach ($s in $Site) { $a += @('--site', $s) }
        foreach ($l in $Logon) { $a += @('--logon', $l) }
        if ($Orphans) { $a += '--orphans' }
        if ($LogonAllCfg) { $a += '--logon-all-cfg' }
        if ($IncludeInvalid) { $a += '--include-invalid' }
        if ($Now) { $a += @('--now', $Now) }
        Invoke-DumpSync -Arguments $a -TypeName 'DumpSync.PlanRow'
    }
}

# Write-DumpSyncPlanFile writes rows to a temporary JSON plan. -InputObject
# with an [object[]] is a JSON array on 5.1 and 7 alike (piping would make
# 5.1 wrap it as {"value":[...],"Count":N}); one row is still an array.
function Write-DumpSyncPlanFile {
    param([object[]] $Rows)
    $file = Join-Path ([System.IO.Path]::GetTempPath()) ("dumpsync-plan-{0}.json" -f [guid]::NewGuid())
    $json = ConvertTo-Json -InputObject ([object[]]$Rows) -Depth 3
    if (-not $json.TrimStart().StartsWith('[')) { $json = "[$json]" }
    [System.IO.File]::WriteAllText($file, $json, [System.Text.UTF8Encoding]::new($false))
    return $file
}

function Test-DumpSyncPlan {
    [CmdletBinding()]
    param(
        [Parameter(ValueFromPipeline)] [psobject[]] $InputObject,
        [string] $Plan,
        [string[]] $AllowRoot,
        [long] $MaxRemove = -1,
        [long] $MaxDelete = -1,
        [switch] $Verify,
        [switch] $Strict
    )
    begin { $rows = [System.Collections.Generic.List[object]]::new() }
    process { foreach ($r in $InputObject) { if ($null -ne $r) { $rows.Add($r) } } }
    end {
        $file = $Plan
        if (-not $Plan) { $file = Write-DumpSyncPlanFile -Rows $rows.ToArray() }
        try {
            $a = @('check', '--plan', $file)
            foreach ($r in $AllowRoot) { $a += @('--allow-root', $r) }
            if ($MaxRemove -ge 0) { $a += @('--max-remove', $MaxRemove) }
            if ($MaxDelete -ge 0) { $a += @('--max-delete', $MaxDelete) }
            if ($Verify) { $a += '--verify' }
            if ($Strict) { $a += '--strict' }
            Invoke-DumpSync -Arguments $a -TypeName 'DumpSync.Finding' -AttentionIsWarning
        } finally {
            if (-not $Plan) { Remove-Item -LiteralPath $file -ErrorAction SilentlyContinue }
        }
    }
}

function Invoke-DumpSyncPlan {
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    param(
        [Parameter(ValueFromPipeline)] [psobject[]] $InputObject,
        [string] $Plan,
        [Parameter(Mandatory)] [string[]] $Within,
        [string] $BackupDir,
        [string] $Undo,
        [switch] $NoUndo
    )
    begin { $rows = [System.Collections.Generic.List[object]]::new() }
    process { foreach ($r in $InputObject) { if ($null -ne $r) { $rows.Add($r) } } }
    end {
        if (-not $Plan -and $rows.Count -eq 0) {
            Write-Verbose 'nothing to do'
            return
        }
        $what = if ($Plan) { $Plan } else { "$($rows.Count) plan rows" }
        $whatIf = -not $PSCmdlet.ShouldProcess(($Within -join ', '), "Apply $what")
        if ($whatIf -and -not $WhatIfPreference) { return } # the user answered No
        $file = $Plan
        if (-not $Plan) { $file = Write-DumpSyncPlanFile -Rows $rows.ToArray() }
        try {
            # --yes: PowerShell has asked already (ShouldProcess), the binary must not ask again.
            $a = @('apply', $file, '--yes')
            foreach ($w in $Within) { $a += @('--within', $w) }
            if ($whatIf) { $a += '--what-if' }
            if ($BackupDir) { $a += @('--backup-dir', $BackupDir) }
            if ($Undo) { $a += @('--undo', $Undo) }
            if ($NoUndo) { $a += '--no-undo' }
            Invoke-DumpSync -Arguments $a -TypeName 'DumpSync.Result'
        } finally {
            if (-not $Plan) { Remove-Item -LiteralPath $file -ErrorAction SilentlyContinue }
        }
    }
}

