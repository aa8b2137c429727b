package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/spf13/cobra"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/report"
)

// catalogueEntry is one rule as `rules --output json` prints it.
type catalogueEntry struct {
	ID             string   `json:"rule_id"`
	Title          string   `json:"title"`
	Severity       string   `json:"severity"`
	Scope          string   `json:"scope"`
	ConformityID   string   `json:"conformity_id,omitempty"`
	ConformityRisk string   `json:"conformity_risk,omitempty"`
	Description    string   `json:"description"`
	IAMActions     []string `json:"iam_actions"`
	Remediation    string   `json:"remediation,omitempty"`
	RemediationCLI string   `json:"remediation_cli,omitempty"`
	Related        []string `json:"related,omitempty"`
	References     []string `json:"references,omitempty"`
	GroupID        string   `json:"group_id,omitempty"`
	GroupTitle     string   `json:"group_title,omitempty"`
	ControlID      string   `json:"control_id,omitempty"`
}

func newRulesCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List the rules catalogue (no AWS calls)",
		Long: `List the fourteen CloudTrail rules with their severity, Cloud Conformity id
and risk, and the benchmark group of the Powerpipe mod they belong to.
--output json adds the description, IAM actions, remediation and references.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "table" && output != "csv" && output != "json" {
				return usageError("unknown output format %q; valid formats: table, csv, json", output)
			}
			entries, err := catalogue()
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			switch output {
			case "json":
				b, err := marshalIndent(entries)
				if err != nil {
					return err
				}
				_, err = w.Write(b)
				return err
			case "csv":
				return writeCatalogueCSV(w, entries)
			}
			return writeCatalogueTable(w, entries)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table, csv or json")
	return cmd
}

// catalogue joins the rules catalogue with the mod's benchmark groups.
func catalogue() ([]catalogueEntry, error) {
	bench, err := report.LoadBenchmark()
	if err != nil {
		return nil, err
	}
	var out []catalogueEntry
	for _, r := range rules.Catalogue() {
		e := catalogueEntry{
			ID: r.ID, Title: r.Title, Severity: string(r.Severity), Scope: r.Scope,
			ConformityID: r.ConformityID, ConformityRisk: r.ConformityRisk, Description: r.Description,
			IAMActions: r.IAMActions, Remediation: r.Remediation, RemediationCLI: r.RemediationCLI,
			Related: r.Related, References: r.References,
		}
		if c, ok := bench.Control(r.ID); ok {
			e.GroupID, e.GroupTitle, e.ControlID = c.GroupID, c.GroupTitle, c.ControlID
		}
		out = append(out, e)
	}
	return out, nil
}

// catalogueColumns are the columns of the table and CSV outputs.
var catalogueColumns = []string{"rule_id", "title", "severity", "conformity_id", "conformity_risk", "scope", "group"}

func (e catalogueEntry) cells() []string {
	return []string{e.ID, e.Title, e.Severity, e.ConformityID, e.ConformityRisk, e.Scope, e.GroupTitle}
}

func writeCatalogueTable(w io.Writer, entries []catalogueEntry) error {
	t := table.NewWriter()
	t.SetStyle(table.StyleLight)
	var header table.Row
	for _, c := range catalogueColumns {
		header = append(header, strings.ToUpper(strings.ReplaceAll(c, "_", " ")))
	}
	t.AppendHeader(header)
	for _, e := range entries {
		var row table.Row
		for i, c := range e.cells() {
			if catalogueColumns[i] == "conformity_id" && c == "" {
				c = rules.NoConformityID // a blank cell would say nothing of why
			}
			row = append(row, c)
		}
		t.AppendRow(row)
	}
	_, err := fmt.Fprintln(w, t.Render())
	return err
}

func writeCatalogueCSV(w io.Writer, entries []catalogueEntry) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(catalogueColumns)
	for _, e := range entries {
		_ = cw.Write(e.cells())
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("writing CSV: %w", err)
	}
	return nil
}

// marshalIndent is indented JSON without HTML escaping, newline-terminated.
func marshalIndent(v any) ([]byte, error) {
	b, err := marshal(v)
	if err != nil {
		return nil, err
	}
	var out strings.Builder
	if err := indentJSON(&out, b); err != nil {
		return nil, err
	}
	out.WriteString("\n")
	return []byte(out.String()), nil
}
