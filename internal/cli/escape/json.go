package escape

import (
	"fmt"
	"strings"
)

// JSON returns the JSON document doc, as encoding/json wrote it, with the
// characters that act but encoding/json leaves raw (DEL, C1 controls,
// bidirectional overrides) written as \u escapes. The document means the
// same; only its bytes change, so that printing it cannot act on a
// terminal. doc must be valid UTF-8 (encoding/json writes no other), and
// those characters occur only inside its strings, where \u escapes are
// valid.
func JSON(doc []byte) []byte {
	s := string(doc)
	if !needsEscape(s, keep{newline: true, tab: true}) {
		return doc
	}
	var b strings.Builder
	for _, r := range s {
		if r >= 0x20 && acts(r, keep{}) {
			fmt.Fprintf(&b, `\u%04x`, r)
			continue
		}
		b.WriteRune(r)
	}
	return []byte(b.String())
}
