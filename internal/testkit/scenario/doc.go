// Package scenario holds the end-to-end scenario suite of the fourteen rules: each test
// seeds an account through AWS APIs (package seed), runs the plugin
// in-process (package inproc) and asserts on the rows of cloudtrailcc_finding.
//
// By default every test starts its own in-process emulator (package awsemu).
// With AWS_ENDPOINT_URL (and AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_REGION) the suite runs against that endpoint instead: LocalStack, moto
// or a sandbox account. Set CLOUDTRAILCC_SCENARIO_CONTROL=1 when the endpoint
// is the emulator running as a process (cmd/awsemu): each test then gets its
// own account through the control endpoint. Without the control endpoint the
// tests that need state only AWS sets are skipped, and so are those asserting
// on account-wide results unless CLOUDTRAILCC_SCENARIO_EXCLUSIVE=1 says the
// account holds nothing but what the suite seeds. On such a shared account
// each test deletes what it seeded when it ends (seed.Destroy); run with
// -parallel 1 there, or AWS's limit of five trails per region may be hit.
//
// With CLOUDTRAILCC_SCENARIO_MOTO=1 (make test-moto) the suite runs against
// moto (package motoup: CLOUDTRAILCC_MOTO_URL, or started by MOTO_UP), each
// test in an account of its own; motoGaps (moto_gaps_test.go) is the one table of what moto lacks, and
// only the tests and findings it lists may differ from AWS's behaviour.
package scenario
