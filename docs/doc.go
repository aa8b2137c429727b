// Package docs holds the plugin's Steampipe hub documentation: index.md and
// one tables/<table>.md page per table. It has no code of its own; its
// tests check the pages' format against the plugin's schema and run every
// example query on real PostgreSQL through the Postgres bridge, against
// the emulated demo account.
package docs
