package escape

import (
	"bytes"
	"encoding/csv"
	"strings"
)

// formulaStart are the first characters that make a spreadsheet read a
// cell as a formula (=, +, -, @).
const formulaStart = "=+-@"

// CSVCell is s as one cell of a CSV line, escaped as Powerpipe's
// toCsvCell template function does (a one-field record through
// encoding/csv, white space around it trimmed), after two changes that
// leave ordinary values alone: control characters other than newline are
// shown escaped (ESC as \x1b), and a value starting with =, +, - or @ is
// prefixed with a single quote, as is customary, so that a spreadsheet
// opening the file shows it as text instead of evaluating it.
func CSVCell(s string) string {
	s = Terminal(s)
	if s != "" && strings.ContainsRune(formulaStart, rune(s[0])) {
		s = "'" + s
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{s}) // writes to a bytes.Buffer cannot fail
	w.Flush()
	return strings.TrimSpace(buf.String())
}
