// Package e2e is the end-to-end run of the Powerpipe mod (make e2e): the
// real Powerpipe v1.5.2 runs the benchmark and the dashboard's queries on
// plain PostgreSQL 15 through the Postgres bridge, against the AWS emulator
// (as a process) seeded with the clean and the bad scenario accounts; then
// the log file integrity benchmark on an account whose trail delivered
// three hours of digests, intact, with a log file overwritten and with a
// digest deleted. The test is behind the build tag e2e:
//
//	CLOUDTRAILCC_TEST_DATABASE_URL=postgres://... go test -tags e2e -count=1 ./e2e/
//
// or e2e/run.sh, which starts PostgreSQL and builds Powerpipe when needed.
package e2e
