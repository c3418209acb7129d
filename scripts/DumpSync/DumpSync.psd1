@{
    RootModule        = 'DumpSync.psm1'
    ModuleVersion     = '0.1.0'
    GUID              = '6f1b7c55-2d0e-4d43-9a51-8d3f4f0b9e21'
    Author            = 'dumpsync'
    Description       = 'PowerShell wrapper of dumpsync: plan, filter and apply the cleanup of SMS 1.2 Resync.cfg files with objects.'
    PowerShellVersion = '5.1'
    FormatsToProcess  = @('DumpSync.Format.ps1xml')
    FunctionsToExport = @(
        'Get-DumpSyncEntry',
        'Get-DumpSyncStats',
        'New-DumpSyncPlan',
        'Test-DumpSyncPlan',
        'Invoke-DumpSyncPlan'
    )
    CmdletsToExport   = @()
    VariablesToExport = @()
    AliasesToExport   = @()
}
