package main

import "github.com/spf13/cobra"

// newDemoCmd is replaced when the emulator lands.
func newDemoCmd(_ *globals) *cobra.Command {
	return &cobra.Command{Use: "demo", Short: "Check an emulated AWS account seeded with deliberate mistakes", Hidden: true,
		RunE: func(*cobra.Command, []string) error { return usageError("demo is not available in this build") }}
}
