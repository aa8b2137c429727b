package cloudtrailcc

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/turbot/steampipe-plugin-sdk/v5/grpc/proto"
	"github.com/turbot/steampipe-plugin-sdk/v5/plugin"
	"github.com/turbot/steampipe-plugin-sdk/v5/plugin/transform"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/exceptions"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// column declares one column of a table whose rows are of type T: its
// Steampipe type and description, the facts it needs beyond the table's
// base facts, and how to get its value from a row (nil = SQL NULL; a JSON
// column's value is marshalled, so never return raw JSON text as a string).
type column[T any] struct {
	name string
	typ  proto.ColumnType
	desc string
	need snapshot.Need
	get  func(T) any
}

// tableSpec declares a table: its columns, the facts any query of it needs,
// its optional "=" key columns, and how rows are made from a snapshot.
type tableSpec[T any] struct {
	name string
	desc string
	// base is read for every query; 0 with needOf nil means "no AWS facts".
	base snapshot.Need
	cols []column[T]
	// keys are optional key columns (operator "="; "in" lists are split by the SDK).
	keys []string
	// needOf adds facts decided by the quals (e.g. the rules asked for).
	needOf func(q *query) (snapshot.Need, error)
	// rows makes the rows of one account; acct is nil when the query needs
	// no facts.
	rows func(q *query, acct *snapshot.Account) ([]T, error)
	// orgRows, when set, makes the rows of all the audited accounts at
	// once (instead of rows for each account).
	orgRows func(q *query, org *snapshot.Organization) ([]T, error)
	// orgStream, when set, yields the rows of all the audited accounts one
	// by one as they are made (instead of orgRows): a table whose rows grow
	// with the organization never holds them all.
	orgStream func(q *query, org *snapshot.Organization) iter.Seq[T]
	// exceptions gives every query the connection's exceptions (query.exc),
	// read again when the file changed so that an edit takes effect.
	exceptions bool
}

// query is what a List call was asked: the columns and the "=" quals on key
// columns (several values for "in" lists that reach the plugin unsplit).
type query struct {
	columns []string
	equals  map[string][]string
	// exc are the connection's exceptions, for tables that read them.
	exc *exceptions.List
}

// match reports whether value passes the "=" qual on key column k (true
// when there is none).
func (q *query) match(k, value string) bool {
	vals, ok := q.equals[k]
	return !ok || slices.Contains(vals, value)
}

// newQuery extracts the requested columns and the key-column quals of d.
func newQuery(d *plugin.QueryData, keys []string) *query {
	q := &query{columns: d.QueryContext.Columns, equals: map[string][]string{}}
	for _, k := range keys {
		v, ok := d.EqualsQuals[k]
		if !ok || v == nil {
			continue
		}
		if l := v.GetListValue(); l != nil {
			vals := []string{}
			for _, e := range l.Values {
				vals = append(vals, e.GetStringValue())
			}
			q.equals[k] = vals
			continue
		}
		q.equals[k] = []string{v.GetStringValue()}
	}
	return q
}

// build turns the spec into a Steampipe table whose List hydrate reads
// through srcs.
func (t tableSpec[T]) build(srcs *sources) *plugin.Table {
	tbl := &plugin.Table{
		Name:        t.name,
		Description: t.desc,
		List:        &plugin.ListConfig{Hydrate: t.list(srcs)},
	}
	for _, k := range t.keyColumns() {
		tbl.List.KeyColumns = append(tbl.List.KeyColumns, &plugin.KeyColumn{Name: k, Require: plugin.Optional, Operators: []string{"="}})
	}
	for _, c := range t.cols {
		get := c.get
		tbl.Columns = append(tbl.Columns, &plugin.Column{
			Name:        c.name,
			Type:        c.typ,
			Description: c.desc,
			Transform: transform.From(func(_ context.Context, td *transform.TransformData) (any, error) {
				row, ok := td.HydrateItem.(T)
				if !ok {
					return nil, fmt.Errorf("column %s: unexpected row type %T", td.ColumnName, td.HydrateItem)
				}
				return get(row), nil
			}),
		})
	}
	return tbl
}

// keyColumns are the table's "=" key columns: its own keys, and
// account_id when it has that column.
func (t tableSpec[T]) keyColumns() []string {
	if t.accountOf() == nil {
		return t.keys
	}
	return append(slices.Clone(t.keys), accountIDColumn)
}

// accountOf is the getter of the table's account_id column (nil when it
// has none).
func (t tableSpec[T]) accountOf() func(T) any {
	for _, c := range t.cols {
		if c.name == accountIDColumn {
			return c.get
		}
	}
	return nil
}

// need is the set of facts a query of the given columns reads.
func (t tableSpec[T]) need(columns []string) snapshot.Need {
	n := t.base
	for _, c := range t.cols {
		if slices.Contains(columns, c.name) {
			n |= c.need
		}
	}
	return n
}

// list is the shared List hydrate: it works out the facts the query needs,
// takes the connection's snapshot holding them and streams the rows.
func (t tableSpec[T]) list(srcs *sources) plugin.HydrateFunc {
	return func(ctx context.Context, d *plugin.QueryData, _ *plugin.HydrateData) (any, error) {
		q := newQuery(d, t.keyColumns())
		if t.exceptions {
			_, exc, err := srcs.conns.settings(d.Connection)
			if err != nil {
				return nil, fmt.Errorf("connection %s: %w", d.Connection.Name, err)
			}
			q.exc = exc
			for _, w := range q.exc.Warnings(time.Now()) {
				d.Table.Plugin.Logger.Warn(w) // on every query, so every run shows it
			}
		}
		need := t.need(q.columns)
		if t.needOf != nil {
			n, err := t.needOf(q)
			if err != nil {
				return nil, err
			}
			need |= n
		}
		rows, err := t.rowsOf(ctx, srcs, d, q, need)
		if err != nil {
			return nil, err
		}
		for r, err := range rows {
			if err != nil {
				return nil, err
			}
			d.StreamListItem(ctx, r)
			if d.RowsRemaining(ctx) == 0 {
				break
			}
		}
		return nil, nil
	}
}

// rowsOf yields the rows of a query: from no facts, from the snapshots of
// every audited account at once (orgStream, orgRows), or account by
// account as each is decoded; with an account_id qual, only the rows of
// the accounts asked for, and none at all (after reading the identity
// alone) from a connection to another account. An error ends the rows.
func (t tableSpec[T]) rowsOf(ctx context.Context, srcs *sources, d *plugin.QueryData, q *query, need snapshot.Need) (iter.Seq2[T, error], error) {
	if need == 0 {
		rows, err := t.rows(q, nil)
		return withoutErrors(streamed(rows)), err
	}
	if ids, ok := q.equals[accountIDColumn]; ok {
		holds, err := srcs.mayHold(ctx, d.Connection, d.Table.Plugin.Logger, ids)
		if err != nil || !holds {
			return withoutErrors(streamed[T](nil)), err
		}
	}
	org, err := srcs.snapshot(ctx, d, need)
	if err != nil {
		return nil, err
	}
	var all iter.Seq2[T, error]
	switch {
	case t.orgStream != nil:
		all = withoutErrors(t.orgStream(q, org))
	case t.orgRows != nil:
		rows, err := t.orgRows(q, org)
		if err != nil {
			return nil, err
		}
		all = withoutErrors(streamed(rows))
	default:
		// one account's rows at a time: an organization's accounts are
		// never all decoded at once
		all = func(yield func(T, error) bool) {
			var zero T
			for acct := range org.Each() {
				if !q.match(accountIDColumn, acct.AccountID) {
					continue
				}
				rows, err := t.rows(q, acct)
				if err != nil {
					yield(zero, err)
					return
				}
				for r := range streamed(rows) {
					if !yield(r, nil) {
						return
					}
				}
			}
		}
	}
	get := t.accountOf()
	if get == nil {
		return all, nil
	}
	return func(yield func(T, error) bool) {
		for r, err := range all {
			if err != nil {
				yield(r, err)
				return
			}
			if id, _ := get(r).(string); q.match(accountIDColumn, id) && !yield(r, nil) {
				return
			}
		}
	}, nil
}

// streamed yields rows in order, letting go of each once it is passed on:
// an organization's rows need not all stay alive while they stream.
func streamed[T any](rows []T) iter.Seq[T] {
	return func(yield func(T) bool) {
		var zero T
		for i, r := range rows {
			rows[i] = zero
			if !yield(r) {
				return
			}
		}
	}
}

// withoutErrors is rows as rows that never fail.
func withoutErrors[T any](rows iter.Seq[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for r := range rows {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// Helpers shared by the tables' column getters.

// optString is s, or NULL when empty.
func optString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// readErr is e's message, or NULL.
func readErr(e *snapshot.ReadError) any {
	if e == nil {
		return nil
	}
	return e.Error()
}

// accountARN is the account-level resource id used by the compliance mods.
func accountARN(acct *snapshot.Account) string {
	return fmt.Sprintf("arn:%s:::%s", partitionOf(acct), acct.AccountID)
}

// partitionOf is the account's partition ("aws" when unknown).
func partitionOf(acct *snapshot.Account) string {
	if acct == nil {
		return partitionName("")
	}
	return partitionName(acct.Partition)
}

// partitionName is partition, "aws" when it is unknown ("").
func partitionName(partition string) string {
	return cmp.Or(partition, "aws")
}

// commaList joins quoted names for error messages.
func commaList(names []string) string {
	return strings.Join(names, ", ")
}
