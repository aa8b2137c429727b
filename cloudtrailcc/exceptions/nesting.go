package exceptions

import (
	"bytes"
	"regexp"
)

// MaxNesting is the deepest nesting an exceptions file may have, checked
// before it is parsed: the parsers recurse once per level, so a small file
// of brackets would otherwise exhaust the stack. A valid file needs three or
// four levels (a block or list, an entry, a string, an interpolation).
const MaxNesting = 10

// tooDeep is the error for nesting beyond MaxNesting at line.
func tooDeep(line int) error {
	return errAt(line, "nesting deeper than %d levels; an exceptions file holds entries of plain strings and booleans, so nothing in it nests deeper: remove the nested brackets, quotes or indentation", MaxNesting)
}

// checkHCLNesting fails at the first line where brackets, braces,
// parentheses, quoted strings, heredocs and template interpolations nest
// deeper than MaxNesting. It reads src once and keeps at most MaxNesting+1
// frames, whatever src holds.
func checkHCLNesting(src []byte) error {
	type frame struct {
		kind   byte   // 'b' bracket, 't' template (${ or %{), 's' string, 'h' heredoc
		marker []byte // a heredoc's closing word
	}
	var stack []frame
	line := 1
	push := func(f frame) error {
		if stack = append(stack, f); len(stack) > MaxNesting {
			return tooDeep(line)
		}
		return nil
	}
	top := func() byte {
		if len(stack) == 0 {
			return 'b'
		}
		return stack[len(stack)-1].kind
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		if c == '\n' {
			line++
		}
		switch top() {
		case 's', 'h':
			if top() == 'h' && (i == 0 || src[i-1] == '\n') {
				end := bytes.IndexByte(src[i:], '\n')
				if end < 0 {
					end = len(src) - i
				}
				if bytes.Equal(bytes.TrimSpace(src[i:i+end]), stack[len(stack)-1].marker) {
					stack = stack[:len(stack)-1]
					i += end - 1
					continue
				}
			}
			switch {
			case c == '\\' && top() == 's' && i+1 < len(src):
				i++
				if src[i] == '\n' {
					line++
				}
			case c == '"' && top() == 's':
				stack = stack[:len(stack)-1]
			case (c == '$' || c == '%') && i+2 < len(src) && src[i+1] == c && src[i+2] == '{':
				i += 2 // $${ and %%{ are literal
			case (c == '$' || c == '%') && i+1 < len(src) && src[i+1] == '{':
				i++
				if err := push(frame{kind: 't'}); err != nil {
					return err
				}
			}
		default: // code: the top level, inside brackets or a template
			switch {
			case c == '#' || c == '/' && i+1 < len(src) && src[i+1] == '/':
				for i+1 < len(src) && src[i+1] != '\n' {
					i++
				}
			case c == '/' && i+1 < len(src) && src[i+1] == '*':
				end := bytes.Index(src[i+2:], []byte("*/"))
				if end < 0 {
					return nil // unterminated: the parser says so
				}
				line += bytes.Count(src[i:i+2+end], []byte("\n"))
				i += end + 3
			case c == '"':
				if err := push(frame{kind: 's'}); err != nil {
					return err
				}
			case c == '<' && i+1 < len(src) && src[i+1] == '<':
				m := heredocStart.FindSubmatch(src[i:])
				if m == nil {
					i++
					continue
				}
				if err := push(frame{kind: 'h', marker: m[1]}); err != nil {
					return err
				}
				i += len(m[0]) - 1
				line++
			case c == '{' || c == '[' || c == '(':
				if err := push(frame{kind: 'b'}); err != nil {
					return err
				}
			case c == '}' || c == ']' || c == ')':
				if len(stack) > 0 {
					stack = stack[:len(stack)-1]
				}
			}
		}
	}
	return nil
}

// heredocStart is the opening of an HCL heredoc (<<WORD or <<-WORD) up to
// and with its newline.
var heredocStart = regexp.MustCompile(`^<<-?([A-Za-z_][A-Za-z0-9_-]*)\r?\n`)

// checkYAMLNesting fails at the first line where block indentation, compact
// nested sequences ("- - -") and flow collections ([ and {) together nest
// deeper than MaxNesting. It reads src once, line by line, and keeps at most
// MaxNesting+1 indentation levels.
func checkYAMLNesting(src []byte) error {
	var indents []int // open block levels, by indentation
	flow := 0         // open [ and {
	var quote byte    // ' or " while inside a quoted scalar
	blockScalar := -1 // indentation of the line that opened | or >, else -1
	for n, text := range bytes.Split(src, []byte("\n")) {
		line := n + 1
		text = bytes.TrimSuffix(text, []byte("\r"))
		indent := len(text) - len(bytes.TrimLeft(text, " "))
		body := text[indent:]
		if blockScalar >= 0 {
			if len(bytes.TrimSpace(text)) == 0 || indent > blockScalar {
				continue // the scalar's content
			}
			blockScalar = -1
		}
		if quote == 0 && flow == 0 {
			if len(body) == 0 || body[0] == '#' {
				continue
			}
			for len(indents) > 0 && indents[len(indents)-1] >= indent {
				indents = indents[:len(indents)-1]
			}
			indents = append(indents, indent)
			for len(body) >= 2 && (body[0] == '-' || body[0] == '?') && (body[1] == ' ' || body[1] == '\t') {
				indents = append(indents, indent) // a compact nested collection
				if len(indents)+flow > MaxNesting {
					return tooDeep(line)
				}
				body = bytes.TrimLeft(body[2:], " \t")
			}
			if len(indents) > MaxNesting {
				return tooDeep(line)
			}
		}
		// scan the rest of the line for quotes, flow collections and comments
		last := byte(' ')
		for i := 0; i < len(body); i++ {
			c := body[i]
			switch quote {
			case '"':
				if c == '\\' {
					i++
				} else if c == '"' {
					quote = 0
				}
				last = c
				continue
			case '\'':
				if c == '\'' && i+1 < len(body) && body[i+1] == '\'' {
					i++
				} else if c == '\'' {
					quote = 0
				}
				last = c
				continue
			}
			tokenStart := last == ' ' || last == '\t' || last == '[' || last == '{' || last == ',' || i == 0
			switch {
			case c == '#' && tokenStart:
				i = len(body)
				continue
			case (c == '"' || c == '\'') && tokenStart:
				quote = c
			case c == '[' || c == '{':
				if flow++; len(indents)+flow > MaxNesting {
					return tooDeep(line)
				}
			case (c == ']' || c == '}') && flow > 0:
				flow--
			}
			last = c
		}
		if quote == 0 && flow == 0 && blockScalarHeader.Match(body) {
			blockScalar = indent
		}
	}
	return nil
}

// blockScalarHeader ends a line that opens a literal or folded block
// scalar (key: |, - >-, key: |2 # comment).
var blockScalarHeader = regexp.MustCompile(`(^|[ \t])[|>][0-9+-]*[ \t]*(#.*)?$`)
