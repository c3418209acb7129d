package apply

import "github.com/dumpsync/dumpsync/internal/planread"

// Folder is the domain folder or Logon.srv folder a row changes: apply
// works folder by folder, and says before it starts how many it will touch.
func Folder(r *planread.Row) string { return smsFolder(r) }
