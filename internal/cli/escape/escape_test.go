package escape

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestOrdinaryTextIsUnchanged(t *testing.T) {
	for _, s := range []string{"", "trail main has no SNS topic", "arn:aws:s3:::b/ké ý 日本", "a \"quoted\" <tag> & | *x*"} {
		for name, fn := range map[string]func(string) string{"Terminal": Terminal, "Line": Line, "Text": Text} {
			if got := fn(s); got != s {
				t.Errorf("%s(%q) = %q, want it unchanged", name, s, got)
			}
		}
		if got := string(JSON([]byte(s))); got != s {
			t.Errorf("JSON(%q) = %q", s, got)
		}
	}
}

func TestControlCharactersAreShownEscaped(t *testing.T) {
	in := "a\x1b[2J\x00\x07\x7f\u009b\u202e\xff\tb\r\nc"
	for _, c := range []struct {
		name string
		fn   func(string) string
		want string
	}{
		{"Terminal", Terminal, `a\x1b[2J\x00\x07\x7f\u009b\u202e\xff\tb\r` + "\nc"},
		{"Line", Line, `a\x1b[2J\x00\x07\x7f\u009b\u202e\xff\tb\r\nc`},
		{"Text", Text, `a\x1b[2J\x00\x07\x7f\u009b\u202e\xff` + "\tb" + `\r` + "\nc"},
	} {
		if got := c.fn(in); got != c.want {
			t.Errorf("%s = %q\nwant %q", c.name, got, c.want)
		}
	}
}

// TestShellWordsReachTheCommandIntact runs words through bash and reads
// them back from printf: each is one argument, unchanged, and nothing ran.
func TestShellWordsReachTheCommandIntact(t *testing.T) {
	dir := t.TempDir()
	words := []string{"plain-arn:aws:s3:::b/*", "", "it's", `$(touch pwned)`, "`touch pwned`", "a;touch pwned", "a b", `"q" \ $HOME *`, "{a,b}", "~", "!x", "日本"}
	var line []string
	for _, w := range words {
		q, err := ShellWord(w)
		if err != nil {
			t.Fatalf("ShellWord(%q): %v", w, err)
		}
		line = append(line, q)
	}
	cmd := exec.Command("bash", "-c", `printf '%s\0' `+strings.Join(line, " "))
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00"); strings.Join(got, "|") != strings.Join(words, "|") {
		t.Errorf("bash read %q\nwant      %q", got, words)
	}
	if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
		t.Error("a word ran as a command")
	}
	for _, bad := range []string{"a\nb", "a\x00b", "a\x1b[2J", "a\tb", "\u202e", "\xff"} {
		if q, err := ShellWord(bad); err == nil {
			t.Errorf("ShellWord(%q) = %q, want it refused", bad, q)
		}
	}
}

func TestMarkdownCellsStayTextOnOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"plain text":                   "plain text",
		"a|b\nc":                       `a\|b c`,
		"<script>x</script>":           `\<script\>x\</script\>`,
		"[l](javascript:x) `c` *e* &a": `\[l\](javascript:x) \` + "`c\\`" + ` \*e\* \&a`,
		"see https://evil or www.evil": `see https\://evil or www\.evil`,
		"esc \x1b[31m":                 `esc \\x1b\[31m`,
	} {
		if got := Markdown(in); got != want {
			t.Errorf("Markdown(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCSVCellsQuoteFormulasAndShowControls(t *testing.T) {
	for in, want := range map[string]string{
		"plain":           "plain",
		"=1+2":            "'=1+2",
		"+cmd":            "'+cmd",
		"-2+3":            "'-2+3",
		"@SUM(A1)":        "'@SUM(A1)",
		"a=b":             "a=b",
		"two\nlines":      "\"two\nlines\"",
		"esc\x1b[2J,x":    `"esc\x1b[2J,x"`,
		`=HYPERLINK("x")`: `"'=HYPERLINK(""x"")"`,
	} {
		if got := CSVCell(in); got != want {
			t.Errorf("CSVCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestJSONKeepsValuesAndEscapesWhatActs(t *testing.T) {
	doc, _ := json.Marshal(map[string]string{"v": "a\x7f\u009b\u202eb\x1b"})
	out := JSON(doc)
	var back map[string]string
	if err := json.Unmarshal(out, &back); err != nil || back["v"] != "a\x7f\u009b\u202eb\x1b" {
		t.Fatalf("JSON changed the value: %s (%v)", out, err)
	}
	if string(out) != `{"v":"a\u007f\u009b\u202eb\u001b"}` {
		t.Errorf("JSON = %s", out)
	}
}
