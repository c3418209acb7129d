package output

import (
	"bufio"
	"io"
	"testing"
)

// BenchmarkWriteASCII is the ASCII pass over one typical dump record.
func BenchmarkWriteASCII(b *testing.B) {
	line := []byte(`{"Path":"C:\\SMS\\Site.srv\\Maincfg.box\\Invdom.box\\Domain.ABC\\Resync.cfg","Index":123456,"Offset":5925888,"SmsId":"SMS1A2B3","RequestTime":1700000000,"RequestedAt":"2023-11-14T22:13:20Z","AgeDays":1082,"Valid":true,"Problem":null}`)
	w := bufio.NewWriterSize(io.Discard, 256<<10)
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		writeASCII(w, line)
	}
}
