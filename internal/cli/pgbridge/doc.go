// Package pgbridge puts the cloudtrailcc plugin's tables into a plain
// PostgreSQL database, without Steampipe: each table becomes a real foreign
// table (file_fdw with the `program` option) that runs the standalone
// cloudtrailcc binary's export when it is scanned. Table and column names
// and column types are those the Steampipe Postgres FDW gives (see PGType),
// so SQL written for Steampipe — the Powerpipe mod's controls — runs
// unchanged.
//
// Install and Uninstall each work in one transaction: a failure leaves the
// database as it was. Install records what it created in a comment on its
// foreign server, and Uninstall drops exactly that. WriteCSV is the output
// format the foreign tables read.
package pgbridge
