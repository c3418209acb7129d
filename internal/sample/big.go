package sample

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// BigDomain writes one domain folder for benchmarks and load tests:
// dir/Resync.cfg holding entries records (WriteResync with seed and now) and
// dir/Invencfg.box holding cfgs small <SMSID>.cfg files for the serials
// 1..cfgs, which are among the SMSIDs WriteResync draws from. With a
// million entries and --days 90 about half of the files belong to clients
// whose every request is stale. dir must not exist or be empty. File times are
// left as the writes make them.
func BigDomain(dir string, entries, cfgs int, seed uint64, now time.Time) error {
	if cfgs < 0 || cfgs > maxSerial {
		return fmt.Errorf("sample: %d .cfg files: want 0 to %d", cfgs, maxSerial)
	}
	inv := filepath.Join(dir, invencfgName)
	if err := os.MkdirAll(inv, 0o755); err != nil {
		return fmt.Errorf("sample: %v", err)
	}
	f, err := os.Create(filepath.Join(dir, resyncName))
	if err != nil {
		return fmt.Errorf("sample: %v", err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	err = WriteResync(w, entries, seed, now)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sample: %v", err)
	}
	for i := 1; i <= cfgs; i++ {
		id := smsID("ABC", uint32(i))
		data := "[SMS Inventory Agent]\r\nSMSID=" + id + "\r\nSiteCode=ABC\r\n"
		if err := os.WriteFile(filepath.Join(inv, id+cfgExt), []byte(data), 0o644); err != nil {
			return fmt.Errorf("sample: %v", err)
		}
	}
	return nil
}
