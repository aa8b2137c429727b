package escape

import "strings"

// markdownSpecial are the characters that could start inline Markdown or
// HTML syntax (emphasis, code, links, autolinks, HTML tags, entities,
// strikethrough) or end a table cell inside a line; each is
// backslash-escaped, which CommonMark allows for any ASCII punctuation.
const markdownSpecial = "\\`*_[]<>|~&"

// autolinks are what GitHub-flavoured Markdown turns into a link without
// any markup, and their escaped forms.
var autolinks = strings.NewReplacer("://", `\://`, "www.", `www\.`, "WWW.", `WWW\.`)

// Markdown is s as one line of literal Markdown text, safe in a table
// cell: runs of white space (newlines included) become one space, other
// control characters are shown escaped, every character that could start
// Markdown or HTML syntax or end the cell is backslash-escaped, and so is
// what would make a bare URL a link.
func Markdown(s string) string {
	s = Line(strings.Join(strings.Fields(s), " "))
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(markdownSpecial, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return autolinks.Replace(b.String())
}
