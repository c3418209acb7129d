package output

// SetFast turns the Fielder fast path on or off, so the tests can compare
// it with the reference path; it returns the previous setting.
func SetFast(on bool) bool {
	old := fastEnabled
	fastEnabled = on
	return old
}
