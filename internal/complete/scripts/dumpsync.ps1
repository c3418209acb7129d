# PowerShell completion for dumpsync: dumpsync completion powershell | Out-String | Invoke-Expression
# (add that line to $PROFILE). Candidates come from the program itself (dumpsync __complete WORD...).
Register-ArgumentCompleter -Native -CommandName 'dumpsync', 'dumpsync.exe' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = @($commandAst.CommandElements | Select-Object -Skip 1 | ForEach-Object { $_.ToString() })
    if ($wordToComplete -eq '') {
        # Windows PowerShell 5.1 drops an empty argument; dumpsync reads "" as empty.
        $words += '""'
    }
    foreach ($c in @(& dumpsync __complete @words 2>$null)) {
        if ($c -eq ':files') {
            Get-ChildItem -Path "$wordToComplete*" -ErrorAction SilentlyContinue | ForEach-Object {
                [System.Management.Automation.CompletionResult]::new($_.Name, $_.Name, 'ProviderItem', $_.Name)
            }
        } else {
            [System.Management.Automation.CompletionResult]::new($c, $c, 'ParameterValue', $c)
        }
    }
}
