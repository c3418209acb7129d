package check

// Severities of findings.
const (
	Error   = "Error"
	Warning = "Warning"
	Info    = "Info"
)

// Finding is one health or plan-gate finding.
type Finding struct {
	Severity string  `json:"Severity" jsonschema:"enum=Error,enum=Warning,enum=Info" desc:"Error fails the check (exit 1); Warning fails it with --strict; Info never fails it"`
	Code     string  `json:"Code" desc:"what was found: PartialRecord, InvalidSmsId, ZeroTime, FutureTime, DuplicateEntry, MissingCfg, OrphanCfg, TooOld, TooManyEntries, TooLarge, InvalidRow, OutsideRoot, TooManyRemovals, TooManyDeletions, StaleRow"`
	Path     *string `json:"Path" desc:"the file the finding is about; null when it is about the whole plan"`
	SmsId    *string `json:"SmsId" desc:"the SMSID concerned, when there is one"`
	Offset   *int64  `json:"Offset" desc:"byte offset in the Resync.cfg, when the finding is about one record"`
	Message  string  `json:"Message" desc:"what is wrong, for people (names the row and field for plan findings)"`
}
