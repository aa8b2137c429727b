package pgbridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
)

// DefaultSchema is the schema Install uses when none is given.
const DefaultSchema = "cloudtrailcc"

// commentPrefix starts the comment Install puts on its foreign server; the
// rest is the Installation as JSON.
const commentPrefix = "cloudtrailcc bridge "

// lockKey serialises concurrent installs and uninstalls (pg_advisory_xact_lock).
const lockKey = 0x6374636362726467 // "ctccbrdg"

// schemaPattern is what --schema accepts: a plain lower-case identifier, so
// that it needs no quoting in a search_path and the server name derived
// from it stays within PostgreSQL's 63-byte limit.
var schemaPattern = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,49}$`)

// Options says what Install creates.
type Options struct {
	// DatabaseURL is a PostgreSQL connection string (URL or key=value).
	DatabaseURL string
	// Schema receives the foreign tables; DefaultSchema when empty.
	Schema string
	// Tables are the plugin's tables with their columns in order
	// (inproc.Client.Schema).
	Tables map[string][]inproc.Column
	// Command returns the shell command line file_fdw runs to read a table
	// (columns nil: every column; else those, in that order); it must write
	// the rows to stdout in WriteCSV's format.
	Command func(table string, columns []string) string
	// Lazy names, by table, the columns read only when a query names them
	// (see LazyColumns).
	Lazy map[string]LazyColumns
	// ConfigFile is the file the commands read, recorded so that Uninstall's
	// caller can remove it.
	ConfigFile string
	// CacheDir is the snapshot cache directory the install set up (empty
	// when the connection brought its own), recorded for the same reason.
	CacheDir string
	// Program is the program copy the commands run (InstallProgram),
	// recorded for the same reason.
	Program string
	// ProbeTable is read inside the install transaction to prove the server
	// can run the command; it should need no AWS access. Empty: no probe.
	ProbeTable string
}

// LazyColumns are columns of a plugin table that cost AWS reads of their
// own, which Steampipe makes only when a query names them
// (cloudtrailcc_finding's tags). A foreign table cannot tell which columns
// a query names, so Install serves such a table as a view of two foreign
// tables: one with every other column, one with Key and the lazy columns,
// grouped by Key. PostgreSQL drops a left join to a subquery grouped by
// the join key when the query names none of its columns, so the second
// table is read only when a lazy column is asked for.
type LazyColumns struct {
	// Key is the column both foreign tables share: the join key.
	Key string
	// Columns are the lazy columns; each has one value per Key.
	Columns []string
}

// Installation is what Install created, as recorded in the database.
type Installation struct {
	// Schema holds the foreign tables; Server is the file_fdw server.
	Schema string `json:"schema"`
	Server string `json:"server"`
	// Tables are the plugin's tables, sorted: each a foreign table, or a
	// view of two (Views).
	Tables []string `json:"tables"`
	// Views are the tables served as views over foreign tables (see
	// LazyColumns), sorted.
	Views []string `json:"views,omitempty"`
	// ConfigFile is the configuration file the tables' commands read.
	ConfigFile string `json:"config_file,omitempty"`
	// CacheDir is the snapshot cache directory the install set up, if any.
	CacheDir string `json:"cache_dir,omitempty"`
	// Program is the program copy the tables' commands run, if any.
	Program string `json:"program,omitempty"`
	// CreatedSchema and CreatedExtension say whether Install created the
	// schema and the file_fdw extension (Uninstall drops only those).
	CreatedSchema    bool `json:"created_schema"`
	CreatedExtension bool `json:"created_extension"`
	// InstalledAt is when the installation committed.
	InstalledAt time.Time `json:"installed_at"`
}

// ServerName returns the foreign server name Install uses for a schema.
func ServerName(schema string) string { return "cloudtrailcc_" + schema }

// CheckSchema validates a schema name; the error names the flag and what is allowed.
func CheckSchema(schema string) error {
	if !schemaPattern.MatchString(schema) {
		return fmt.Errorf("--schema %q is not allowed: use lower-case letters, digits and _, starting with a letter or _, at most 50 characters", schema)
	}
	return nil
}

// Install creates, in one transaction, the file_fdw extension (when
// missing), the schema (when missing), a foreign server and one foreign
// table per plugin table. An earlier installation in the same schema is
// replaced; it is returned as previous so the caller can remove its
// configuration file. Bad input (no or unreachable database, a schema
// holding other objects, a role that may not run server programs, a
// command the server cannot run) fails with a one-line error and leaves
// the database as it was.
func Install(ctx context.Context, o Options) (inst, previous *Installation, err error) {
	if o.Schema == "" {
		o.Schema = DefaultSchema
	}
	if err := CheckSchema(o.Schema); err != nil {
		return nil, nil, err
	}
	if len(o.Tables) == 0 || o.Command == nil {
		return nil, nil, errors.New("pgbridge: no tables or no command to install")
	}
	// Render every table first: a type without a mapping fails before any I/O.
	names := make([]string, 0, len(o.Tables))
	for name := range o.Tables {
		names = append(names, name)
	}
	sort.Strings(names)
	inst = &Installation{Schema: o.Schema, Server: ServerName(o.Schema), Tables: names, ConfigFile: o.ConfigFile, CacheDir: o.CacheDir, Program: o.Program}
	var ddl []string
	for _, name := range names {
		var stmts []string
		var err error
		if lazy, ok := o.Lazy[name]; ok {
			inst.Views = append(inst.Views, name)
			stmts, err = lazyTableDDL(inst, name, o.Tables[name], lazy, o.Command)
		} else {
			stmts, err = foreignTableDDL(inst, name, o.Tables[name], o.Command(name, nil))
		}
		if err != nil {
			return nil, nil, err
		}
		ddl = append(ddl, stmts...)
	}

	err = inLockedSession(ctx, o.DatabaseURL, func(s session) error {
		if err := s.checkRole(ctx); err != nil {
			return err
		}
		created, err := s.ensureExtension(ctx)
		if err != nil {
			return err
		}
		previous, err = s.installation(ctx, inst.Server)
		if err != nil {
			return err
		}
		var ours []string
		if previous != nil {
			ours = previous.Views
		}
		existed, err := s.checkSchema(ctx, inst.Schema, inst.Server, ours)
		if err != nil {
			return err
		}
		// What an earlier installation created stays "created by install".
		inst.CreatedExtension = created || (previous != nil && previous.CreatedExtension)
		inst.CreatedSchema = !existed || (previous != nil && previous.CreatedSchema)
		if previous != nil {
			if err := s.dropTablesAndServer(ctx, previous); err != nil {
				return err
			}
		}
		if !existed {
			if err := s.exec(ctx, "creating schema "+inst.Schema, "CREATE SCHEMA "+ident(inst.Schema)); err != nil {
				return err
			}
		}
		inst.InstalledAt = time.Now().UTC().Truncate(time.Second)
		meta, err := json.Marshal(inst)
		if err != nil {
			return fmt.Errorf("recording the installation: %w", err)
		}
		if err := s.exec(ctx, "creating server "+inst.Server,
			"CREATE SERVER "+ident(inst.Server)+" FOREIGN DATA WRAPPER file_fdw",
			"COMMENT ON SERVER "+ident(inst.Server)+" IS "+literal(commentPrefix+string(meta))); err != nil {
			return err
		}
		if err := s.exec(ctx, "creating foreign tables", ddl...); err != nil {
			return err
		}
		if o.ProbeTable != "" {
			return s.probe(ctx, inst.Schema, o.ProbeTable, o.Command(o.ProbeTable, nil))
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return inst, previous, nil
}

// Uninstall drops, in one transaction, what Install created in schema: the
// foreign tables and server, then the schema and the file_fdw extension if
// Install created them and nothing else uses them (a schema that now holds
// other objects is kept). Objects that depend on the foreign tables (a
// user's view) stop it with an error naming them; nothing is dropped then.
// It returns the removed installation so the caller can delete its
// configuration file, and notes on what was kept.
func Uninstall(ctx context.Context, databaseURL, schema string) (inst *Installation, kept []string, err error) {
	if schema == "" {
		schema = DefaultSchema
	}
	if err := CheckSchema(schema); err != nil {
		return nil, nil, err
	}
	err = inLockedSession(ctx, databaseURL, func(s session) error {
		var err error
		inst, err = s.installation(ctx, ServerName(schema))
		if err != nil {
			return err
		}
		if inst == nil {
			return fmt.Errorf("no cloudtrailcc bridge is installed in schema %s of database %s (no server %s)", schema, s.db, ServerName(schema))
		}
		if err := s.dropTablesAndServer(ctx, inst); err != nil {
			return err
		}
		if inst.CreatedSchema {
			others, err := s.otherObjects(ctx, inst.Schema, "", nil)
			if err != nil {
				return err
			}
			if len(others) == 0 {
				if err := s.exec(ctx, "dropping schema "+inst.Schema, "DROP SCHEMA IF EXISTS "+ident(inst.Schema)); err != nil {
					return err
				}
			} else {
				kept = append(kept, fmt.Sprintf("schema %s (it holds %s)", inst.Schema, strings.Join(others, ", ")))
			}
		}
		if inst.CreatedExtension {
			var servers []string
			if err := s.strings(ctx, &servers, `SELECT s.srvname FROM pg_foreign_server s
				JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw WHERE w.fdwname = 'file_fdw' ORDER BY 1`); err != nil {
				return err
			}
			if len(servers) == 0 {
				if err := s.exec(ctx, "dropping extension file_fdw", "DROP EXTENSION IF EXISTS file_fdw"); err != nil {
					return err
				}
			} else {
				kept = append(kept, "extension file_fdw (used by server "+strings.Join(servers, ", ")+")")
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return inst, kept, nil
}

// foreignTableDDL returns the statements creating one foreign table.
func foreignTableDDL(inst *Installation, table string, cols []inproc.Column, command string) ([]string, error) {
	if len(cols) == 0 {
		return nil, fmt.Errorf("table %s has no columns", table)
	}
	q := ident(inst.Schema) + "." + ident(table)
	defs := make([]string, 0, len(cols))
	var comments []string
	for _, c := range cols {
		t, err := PGType(c.Type)
		if err != nil {
			return nil, fmt.Errorf("table %s, column %s: %w", table, c.Name, err)
		}
		defs = append(defs, ident(c.Name)+" "+t)
		if c.Description != "" {
			comments = append(comments, "COMMENT ON COLUMN "+q+"."+ident(c.Name)+" IS "+literal(c.Description))
		}
	}
	create := "CREATE FOREIGN TABLE " + q + " (\n  " + strings.Join(defs, ",\n  ") + "\n) SERVER " + ident(inst.Server) +
		" OPTIONS (program " + literal(command) + ", format 'csv', header 'false', encoding 'UTF8')"
	return append([]string{create}, comments...), nil
}

// lazyTableDDL returns the statements serving table as a view over two
// foreign tables (see LazyColumns): "_TABLE" with every column but the
// lazy ones, "_TABLE_COLUMNS" with the key and the lazy ones.
func lazyTableDDL(inst *Installation, table string, cols []inproc.Column, lazy LazyColumns, command func(string, []string) string) ([]string, error) {
	var base, rest []inproc.Column
	var key *inproc.Column
	for _, c := range cols {
		if c.Name == lazy.Key {
			key = &c
		}
		if slices.Contains(lazy.Columns, c.Name) {
			rest = append(rest, c)
		} else {
			base = append(base, c)
		}
	}
	if key == nil || slices.Contains(lazy.Columns, lazy.Key) || len(rest) != len(lazy.Columns) || len(rest) == 0 {
		return nil, fmt.Errorf("table %s: lazy columns %v keyed by %s are not columns of it", table, lazy.Columns, lazy.Key)
	}
	rest = append([]inproc.Column{*key}, rest...)
	baseName, restName := "_"+table, "_"+table+"_"+strings.Join(lazy.Columns, "_")
	names := func(cs []inproc.Column) []string {
		out := make([]string, len(cs))
		for i, c := range cs {
			out[i] = c.Name
		}
		return out
	}
	var out []string
	for _, part := range []struct {
		name string
		cols []inproc.Column
	}{{baseName, base}, {restName, rest}} {
		stmts, err := foreignTableDDL(inst, part.name, part.cols, command(table, names(part.cols)))
		if err != nil {
			return nil, err
		}
		out = append(out, stmts...)
	}
	q := func(name string) string { return ident(inst.Schema) + "." + ident(name) }
	selects := make([]string, 0, len(cols))
	for _, c := range cols {
		if slices.Contains(lazy.Columns, c.Name) {
			selects = append(selects, "l."+ident(c.Name))
		} else {
			selects = append(selects, "b."+ident(c.Name))
		}
	}
	grouped := []string{ident(lazy.Key)}
	for _, c := range lazy.Columns {
		grouped = append(grouped, "(array_agg("+ident(c)+"))[1] AS "+ident(c))
	}
	out = append(out, "CREATE VIEW "+q(table)+" AS SELECT "+strings.Join(selects, ", ")+" FROM "+q(baseName)+" b LEFT JOIN (SELECT "+
		strings.Join(grouped, ", ")+" FROM "+q(restName)+" GROUP BY "+ident(lazy.Key)+") l ON l."+ident(lazy.Key)+" = b."+ident(lazy.Key))
	for _, c := range cols {
		if c.Description != "" {
			out = append(out, "COMMENT ON COLUMN "+q(table)+"."+ident(c.Name)+" IS "+literal(c.Description))
		}
	}
	return out, nil
}

// inLockedSession connects to databaseURL and runs fn in one transaction
// that holds the bridge's lock, so two installs or uninstalls never
// interleave.
func inLockedSession(ctx context.Context, databaseURL string, fn func(s session) error) error {
	conn, err := connect(ctx, databaseURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		s := session{tx: tx, db: conn.Config().Database}
		if err := s.lock(ctx); err != nil {
			return err
		}
		return fn(s)
	})
}

// connect opens a connection; errors are one line naming the database
// without its password.
func connect(ctx context.Context, databaseURL string) (*pgx.Conn, error) {
	if strings.TrimSpace(databaseURL) == "" {
		return nil, errors.New("--database is required: a PostgreSQL connection URL such as postgres://user:password@127.0.0.1:5432/dbname")
	}
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("--database is not a valid PostgreSQL connection string: %s", oneLine(err))
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to database %s: %s", describe(cfg), oneLine(rootCause(err)))
	}
	return conn, nil
}

// describe names a database as user@host:port/dbname.
func describe(cfg *pgx.ConnConfig) string {
	return fmt.Sprintf("%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}

// rootCause returns the innermost error (the first one of a joined error),
// e.g. "dial tcp 127.0.0.1:1: connect: connection refused" rather than
// pgx's account of every attempt; a PostgreSQL error is kept as it is.
func rootCause(err error) error {
	for {
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			return pe
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			if next := u.Unwrap(); next != nil {
				err = next
				continue
			}
		case interface{ Unwrap() []error }:
			if errs := u.Unwrap(); len(errs) > 0 {
				err = errs[0]
				continue
			}
		}
		return err
	}
}

// oneLine flattens an error to one line, preferring PostgreSQL's message
// (with its hint) when there is one.
func oneLine(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		msg := pe.Message
		if pe.Detail != "" {
			msg += ": " + pe.Detail
		}
		if pe.Hint != "" {
			msg += " (" + pe.Hint + ")"
		}
		return strings.Join(strings.Fields(msg), " ")
	}
	return strings.Join(strings.Fields(err.Error()), " ")
}

// ident quotes an SQL identifier.
func ident(s string) string { return pgx.Identifier{s}.Sanitize() }

// literal quotes an SQL string literal (standard_conforming_strings on, the
// default since PostgreSQL 9.1).
func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// ShellQuote quotes one word for /bin/sh, as file_fdw runs its program.
func ShellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
