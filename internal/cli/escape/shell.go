package escape

import (
	"fmt"
	"regexp"
	"strings"
)

// shellPlain matches words bash takes literally: no quoting needed.
var shellPlain = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// ShellWord is s as one word of a bash command line: as is when bash takes
// every character of it literally, else single-quoted (a quote inside as
// '\”), so that nothing in it is expanded, substituted or run. A value
// holding a character that acts (a control character such as a newline,
// ESC or NUL, a bidirectional override, a byte that is not UTF-8) is
// refused: bash cannot hold NUL, the others would make the script read
// otherwise than it runs, and no AWS name holds one.
func ShellWord(s string) (string, error) {
	if needsEscape(s, keep{}) {
		return "", fmt.Errorf("%s holds a control character: not written into a shell command", quoted(s))
	}
	if shellPlain.MatchString(s) {
		return s, nil
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'", nil
}

// quoted is s for an error message: in double quotes, every control
// character escaped, cut after 80 characters.
func quoted(s string) string {
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return `"` + strings.ReplaceAll(Line(s), `"`, `\"`) + `"`
}
