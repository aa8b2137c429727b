package pgbridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/inproc"
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
	// Command returns the shell command line file_fdw runs to read a table;
	// it must write the table's rows to stdout in WriteCSV's format.
	Command func(table string) string
	// ConfigFile is the file the commands read, recorded so that Uninstall's
	// caller can remove it.
	ConfigFile string
	// CacheDir is the snapshot cache directory the install set up (empty
	// when the connection brought its own), recorded for the same reason.
	CacheDir string
	// ProbeTable is read inside the install transaction to prove the server
	// can run the command; it should need no AWS access. Empty: no probe.
	ProbeTable string
}

// Installation is what Install created, as recorded in the database.
type Installation struct {
	// Schema holds the foreign tables; Server is the file_fdw server.
	Schema string `json:"schema"`
	Server string `json:"server"`
	// Tables are the foreign tables, sorted.
	Tables []string `json:"tables"`
	// ConfigFile is the configuration file the tables' commands read.
	ConfigFile string `json:"config_file,omitempty"`
	// CacheDir is the snapshot cache directory the install set up, if any.
	CacheDir string `json:"cache_dir,omitempty"`
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
	inst = &Installation{Schema: o.Schema, Server: ServerName(o.Schema), Tables: names, ConfigFile: o.ConfigFile, CacheDir: o.CacheDir}
	var ddl []string
	for _, name := range names {
		stmts, err := foreignTableDDL(inst, name, o.Tables[name], o.Command(name))
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
		existed, err := s.checkSchema(ctx, inst.Schema, inst.Server)
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
			return s.probe(ctx, inst.Schema, o.ProbeTable, o.Command(o.ProbeTable))
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
			others, err := s.otherObjects(ctx, inst.Schema, "")
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

// session runs the install and uninstall steps inside one transaction.
type session struct {
	tx pgx.Tx
	db string
}

// exec runs statements, wrapping the first failure with what was being done.
func (s session) exec(ctx context.Context, what string, stmts ...string) error {
	for _, stmt := range stmts {
		if _, err := s.tx.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %s", what, oneLine(err))
		}
	}
	return nil
}

// strings runs a query returning one text column.
func (s session) strings(ctx context.Context, out *[]string, sql string, args ...any) error {
	rows, err := s.tx.Query(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("reading the catalog: %s", oneLine(err))
	}
	v, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("reading the catalog: %s", oneLine(err))
	}
	*out = v
	return nil
}

// lock waits for other installs and uninstalls of this database.
func (s session) lock(ctx context.Context) error {
	return s.exec(ctx, "waiting for another cloudtrailcc bridge install", fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", lockKey))
}

// checkRole fails unless the role may create program-backed file_fdw tables.
func (s session) checkRole(ctx context.Context) error {
	var role string
	var super, program bool
	err := s.tx.QueryRow(ctx, `SELECT current_user, r.rolsuper, pg_has_role(current_user, 'pg_execute_server_program', 'MEMBER')
		FROM pg_roles r WHERE r.rolname = current_user`).Scan(&role, &super, &program)
	if err != nil {
		return fmt.Errorf("reading the role's rights: %s", oneLine(err))
	}
	if !super && !program {
		return fmt.Errorf("role %s may not run programs on the database server, which file_fdw's program option needs: use a superuser or GRANT pg_execute_server_program TO %s", role, role)
	}
	return nil
}

// ensureExtension creates file_fdw when missing and reports whether it did.
func (s session) ensureExtension(ctx context.Context) (created bool, err error) {
	var installed, available bool
	err = s.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'file_fdw'),
		EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'file_fdw')`).Scan(&installed, &available)
	if err != nil {
		return false, fmt.Errorf("reading the extensions: %s", oneLine(err))
	}
	if !installed {
		if !available {
			return false, errors.New("the file_fdw extension is not available on the database server: install PostgreSQL's contrib modules (Debian: postgresql-contrib)")
		}
		if err := s.exec(ctx, "creating extension file_fdw (needs a superuser: ask one to run CREATE EXTENSION file_fdw in database "+s.db+")",
			"CREATE EXTENSION file_fdw"); err != nil {
			return false, err
		}
		return true, nil
	}
	var usage bool
	if err := s.tx.QueryRow(ctx, `SELECT has_foreign_data_wrapper_privilege('file_fdw', 'USAGE')`).Scan(&usage); err != nil {
		return false, fmt.Errorf("reading file_fdw privileges: %s", oneLine(err))
	}
	if !usage {
		return false, errors.New("the role may not use the file_fdw foreign-data wrapper: GRANT USAGE ON FOREIGN DATA WRAPPER file_fdw TO the role, or use a superuser")
	}
	return false, nil
}

// installation returns the installation recorded on server, nil when the
// server does not exist; a server of that name that install did not create
// is an error.
func (s session) installation(ctx context.Context, server string) (*Installation, error) {
	var comment *string
	err := s.tx.QueryRow(ctx, `SELECT obj_description(oid, 'pg_foreign_server') FROM pg_foreign_server WHERE srvname = $1`, server).Scan(&comment)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading server %s: %s", server, oneLine(err))
	}
	if comment == nil || !strings.HasPrefix(*comment, commentPrefix) {
		return nil, fmt.Errorf("a foreign server named %s exists that cloudtrailcc postgres install did not create; drop it or choose another --schema", server)
	}
	var inst Installation
	if err := json.Unmarshal([]byte(strings.TrimPrefix(*comment, commentPrefix)), &inst); err != nil {
		return nil, fmt.Errorf("server %s: unreadable installation record: %w", server, err)
	}
	inst.Server = server
	return &inst, nil
}

// checkSchema reports whether schema exists and fails when it holds
// anything but foreign tables of server.
func (s session) checkSchema(ctx context.Context, schema, server string) (existed bool, err error) {
	if err := s.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, schema).Scan(&existed); err != nil {
		return false, fmt.Errorf("reading schema %s: %s", schema, oneLine(err))
	}
	if !existed {
		return false, nil
	}
	others, err := s.otherObjects(ctx, schema, server)
	if err != nil {
		return true, err
	}
	if len(others) > 0 {
		return true, fmt.Errorf("schema %s already holds objects that cloudtrailcc postgres install did not create (%s): choose another --schema or empty it", schema, strings.Join(others, ", "))
	}
	return true, nil
}

// otherObjects lists (at most six) objects in schema other than the
// foreign tables of server: relations, functions and standalone types.
func (s session) otherObjects(ctx context.Context, schema, server string) ([]string, error) {
	var out []string
	err := s.strings(ctx, &out, `
		SELECT kind || ' ' || name FROM (
			SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view'
				WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table'
				WHEN 'i' THEN 'index' WHEN 'I' THEN 'index' WHEN 'c' THEN 'type' ELSE 'relation' END AS kind, c.relname::text AS name
			FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			LEFT JOIN pg_foreign_table ft ON ft.ftrelid = c.oid
			LEFT JOIN pg_foreign_server fs ON fs.oid = ft.ftserver
			WHERE n.nspname = $1 AND (fs.srvname IS NULL OR fs.srvname <> $2)
			UNION ALL
			SELECT 'function', p.proname::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1
			UNION ALL
			SELECT 'type', t.typname::text FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
			WHERE n.nspname = $1 AND t.typrelid = 0 AND t.typelem = 0
		) o ORDER BY 1 LIMIT 6`, schema, server)
	if err != nil {
		return nil, err
	}
	if len(out) == 6 {
		out = append(out[:5], "...")
	}
	return out, nil
}

// dropTablesAndServer drops an installation's foreign tables and server
// without CASCADE, so an object that depends on them stops it.
func (s session) dropTablesAndServer(ctx context.Context, inst *Installation) error {
	var tables []string
	if err := s.strings(ctx, &tables, `SELECT c.relname::text FROM pg_foreign_table ft
		JOIN pg_class c ON c.oid = ft.ftrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_foreign_server fs ON fs.oid = ft.ftserver
		WHERE fs.srvname = $1 AND n.nspname = $2 ORDER BY 1`, inst.Server, inst.Schema); err != nil {
		return err
	}
	for _, t := range tables {
		if err := s.exec(ctx, "dropping foreign table "+inst.Schema+"."+t,
			"DROP FOREIGN TABLE "+ident(inst.Schema)+"."+ident(t)); err != nil {
			return err
		}
	}
	return s.exec(ctx, "dropping server "+inst.Server, "DROP SERVER "+ident(inst.Server))
}

// probe reads a table to prove the server can run its command. It uses
// the simple protocol: with the extended protocol inside a transaction,
// file_fdw reports a failed program only when the portal is dropped, after
// the (empty) result.
func (s session) probe(ctx context.Context, schema, table, command string) error {
	var n int64
	err := s.tx.QueryRow(ctx, "SELECT count(*) FROM "+ident(schema)+"."+ident(table), pgx.QueryExecModeSimpleProtocol).Scan(&n)
	if err != nil {
		return fmt.Errorf("the database server could not read %s.%s by running %s: %s (the server must run on this machine, and its OS user must be able to run the program and read its config file)",
			schema, table, command, oneLine(err))
	}
	if n == 0 {
		return fmt.Errorf("the database server read no rows from %s.%s by running %s", schema, table, command)
	}
	return nil
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
