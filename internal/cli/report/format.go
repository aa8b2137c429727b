package report

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
)

// Format is an output format of a check.
type Format string

// The output formats.
const (
	// FormatTable is the terminal table.
	FormatTable Format = "table"
	// FormatCSV is Powerpipe's benchmark CSV layout.
	FormatCSV Format = "csv"
	// FormatJSON is the JSON document of WriteJSON.
	FormatJSON Format = "json"
	// FormatASFF is a JSON array of AWS Security Finding Format findings.
	FormatASFF Format = "asff"
	// FormatOCSF is a JSON array of OCSF Compliance Finding events.
	FormatOCSF Format = "ocsf"
	// FormatHTML is the self-contained HTML report of WriteHTML.
	FormatHTML Format = "html"
	// FormatMarkdown is the Markdown summary of WriteMarkdown.
	FormatMarkdown Format = "md"
	// FormatNUnit3 is Powerpipe's NUnit3 XML layout (WriteNUnit3).
	FormatNUnit3 Format = "nunit3"
	// FormatJUnit is JUnit XML (WriteJUnit).
	FormatJUnit Format = "junit"
)

// Formats lists the output formats; every one but the table can be
// exported to a file.
var Formats = []Format{FormatTable, FormatCSV, FormatJSON, FormatASFF, FormatOCSF,
	FormatHTML, FormatMarkdown, FormatNUnit3, FormatJUnit}

// exportExtensions maps export file name endings to formats, longest first
// so that ".asff.json" wins over ".json".
var exportExtensions = []struct {
	ext    string
	format Format
}{
	{".asff.json", FormatASFF},
	{".ocsf.json", FormatOCSF},
	{".nunit3.xml", FormatNUnit3},
	{".junit.xml", FormatJUnit},
	{".csv", FormatCSV},
	{".json", FormatJSON},
	{".html", FormatHTML},
	{".md", FormatMarkdown},
}

// ParseFormat returns the format named s; the error lists the choices.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == strings.ToLower(s) {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown output format %q; valid formats: %s", s, formatList(Formats))
}

// FormatForFile returns the export format of a file name from its ending:
// .csv (Powerpipe CSV), .asff.json (ASFF), .ocsf.json (OCSF), .json (JSON),
// .html (HTML report), .md (Markdown), .nunit3.xml (NUnit3) or .junit.xml
// (JUnit XML).
func FormatForFile(path string) (Format, error) {
	name := strings.ToLower(filepath.Base(path))
	for _, e := range exportExtensions {
		if strings.HasSuffix(name, e.ext) && len(name) > len(e.ext) {
			return e.format, nil
		}
	}
	var exts []string
	for _, f := range Formats[1:] {
		for _, e := range exportExtensions {
			if e.format == f {
				exts = append(exts, e.ext)
			}
		}
	}
	return "", fmt.Errorf("cannot tell the export format of %q from its name; valid endings: %s", path, strings.Join(exts, ", "))
}

// ExportTarget resolves an --export value: a file name, whose ending gives
// the format (see FormatForFile), or a bare format name (csv, json, asff,
// ocsf, nunit3, junit, html, md), which names a file as Powerpipe does:
// "EXECUTION.YYYYMMDDTHHMMSS.EXT" in the current directory, with now's local
// time.
func ExportTarget(arg, execution string, now time.Time) (string, Format, error) {
	for _, e := range exportExtensions {
		if strings.EqualFold(arg, string(e.format)) {
			ts := fmt.Sprintf("%d%02d%02dT%02d%02d%02d", now.Year(), now.Month(), now.Day(), now.Hour(), now.Minute(), now.Second())
			return execution + "." + ts + e.ext, e.format, nil
		}
	}
	f, err := FormatForFile(arg)
	if err != nil {
		return "", "", fmt.Errorf("%w (or a format name: %s)", err, formatList(Formats[1:]))
	}
	return arg, f, nil
}

// Write writes r to w in format f.
func Write(w io.Writer, r *Report, f Format) error {
	switch f {
	case FormatTable:
		return WriteTable(w, r, TableOptions{})
	case FormatCSV:
		return WriteCSV(w, r)
	case FormatJSON:
		return WriteJSON(w, r)
	case FormatASFF:
		return WriteASFF(w, r)
	case FormatOCSF:
		return WriteOCSF(w, r)
	case FormatHTML:
		return WriteHTML(w, r)
	case FormatMarkdown:
		return WriteMarkdown(w, r)
	case FormatNUnit3:
		return WriteNUnit3(w, r)
	case FormatJUnit:
		return WriteJUnit(w, r)
	}
	return fmt.Errorf("unknown output format %q; valid formats: %s", f, formatList(Formats))
}

func formatList(fs []Format) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}
