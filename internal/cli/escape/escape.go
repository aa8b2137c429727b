// Package escape writes outside values (AWS replies, files given on the
// command line) into the languages cloudtrailcc prints: the terminal, shell,
// HCL, XML, HTML, Markdown and CSV. There is one function per language,
// and every writer of that language calls it.
//
// Printable text comes out as it went in, except where the language's own
// syntax needs escaping (a quote in a shell word, a pipe in a Markdown cell).
// Characters that act instead of print (C0 and C1 control characters such
// as ESC or NUL, DEL, bidirectional overrides, bytes that are not UTF-8)
// are shown as Go-style escapes: ESC as \x1b, a newline where a line must
// stay one line as \n. The reader sees what the value held; nothing in it
// can move the cursor, recolour the terminal, end a comment or break a
// document.
package escape

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// keep says which layout characters a language lets through unescaped.
type keep struct {
	newline, tab bool
}

// visible returns s with every character that acts instead of printing
// shown as an escape, except the layout characters k keeps. s is returned
// as is when nothing needs escaping.
func visible(s string, k keep) string {
	if !needsEscape(s, k) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case !acts(r, k):
			b.WriteString(s[i : i+size])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		i += size
	}
	return b.String()
}

// needsEscape reports whether visible would change s.
func needsEscape(s string, k keep) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || acts(r, k) {
			return true
		}
		i += size
	}
	return false
}

// acts reports whether r acts on what displays or parses the text instead
// of printing: a C0 or C1 control character or DEL (but the layout
// characters k keeps), a bidirectional formatting character that reorders
// what follows it, a line or paragraph separator, or a noncharacter XML
// forbids.
func acts(r rune, k keep) bool {
	switch {
	case r == '\n':
		return !k.newline
	case r == '\t':
		return !k.tab
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	case r == 0x2028, r == 0x2029, r == 0xfffe, r == 0xffff:
		return true
	}
	return false
}

// Terminal is s as it may reach a terminal: newlines stay, every other
// control character is shown escaped (ESC as \x1b, a tab as \t).
func Terminal(s string) string { return visible(s, keep{newline: true}) }

// Line is s as one line of text, for comments of a shell script or a
// Terraform file and one-line messages: newlines and every other control
// character are shown escaped.
func Line(s string) string { return visible(s, keep{}) }

// Text is s as text of a document (XML character data and attributes,
// HTML): newlines and tabs stay, every other control character is shown
// escaped. What is left is valid XML 1.0 character data; the document's
// encoder still escapes its markup (<, &, quotes, a "]]>" in CDATA).
func Text(s string) string { return visible(s, keep{newline: true, tab: true}) }
