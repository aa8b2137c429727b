package seed

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
)

// AllS3DataEvents is a classic selector logging management events and every
// S3 object data event (read and write, all buckets: the CIS reading).
func AllS3DataEvents() []cttypes.EventSelector {
	return []cttypes.EventSelector{{
		ReadWriteType:           cttypes.ReadWriteTypeAll,
		IncludeManagementEvents: aws.Bool(true),
		DataResources:           []cttypes.DataResource{{Type: aws.String("AWS::S3::Object"), Values: []string{"arn:aws:s3"}}},
	}}
}

// ManagementOnly is a classic selector logging management events (read and
// write) and no data events.
func ManagementOnly() []cttypes.EventSelector {
	return []cttypes.EventSelector{{
		ReadWriteType:           cttypes.ReadWriteTypeAll,
		IncludeManagementEvents: aws.Bool(true),
		DataResources:           []cttypes.DataResource{},
	}}
}

// NoManagementClassic is a classic selector with management events excluded and no data resources.
func NoManagementClassic() []cttypes.EventSelector {
	return []cttypes.EventSelector{{
		ReadWriteType:           cttypes.ReadWriteTypeAll,
		IncludeManagementEvents: aws.Bool(false),
		DataResources:           []cttypes.DataResource{{Type: aws.String("AWS::S3::Object"), Values: []string{"arn:aws:s3"}}},
	}}
}

// AdvancedDataOnly is an advanced selector logging S3 object data events
// only: the management category is left out, so no management events are logged.
// Its name says "Management" on purpose: rules must decide by fields, not names.
func AdvancedDataOnly() []cttypes.AdvancedEventSelector {
	return []cttypes.AdvancedEventSelector{{
		Name: aws.String("Management events and S3 data"),
		FieldSelectors: []cttypes.AdvancedFieldSelector{
			{Field: aws.String("eventCategory"), Equals: []string{"Data"}},
			{Field: aws.String("resources.type"), Equals: []string{"AWS::S3::Object"}},
		},
	}}
}

// AdvancedManagementOnly is an advanced selector logging management events only (no data events).
func AdvancedManagementOnly() []cttypes.AdvancedEventSelector {
	return []cttypes.AdvancedEventSelector{{
		Name:           aws.String("Log all management events"),
		FieldSelectors: []cttypes.AdvancedFieldSelector{{Field: aws.String("eventCategory"), Equals: []string{"Management"}}},
	}}
}

// AdvancedManagementAndData is two advanced selectors: management events and
// S3 object data events.
func AdvancedManagementAndData() []cttypes.AdvancedEventSelector {
	return append(AdvancedManagementOnly(), cttypes.AdvancedEventSelector{
		Name: aws.String("S3 objects"),
		FieldSelectors: []cttypes.AdvancedFieldSelector{
			{Field: aws.String("eventCategory"), Equals: []string{"Data"}},
			{Field: aws.String("resources.type"), Equals: []string{"AWS::S3::Object"}},
		},
	})
}

// AdvancedNetworkActivityOnly is an advanced selector logging network activity
// events only: neither management nor data events.
func AdvancedNetworkActivityOnly() []cttypes.AdvancedEventSelector {
	return []cttypes.AdvancedEventSelector{{
		Name: aws.String("VPC endpoint activity"),
		FieldSelectors: []cttypes.AdvancedFieldSelector{
			{Field: aws.String("eventCategory"), Equals: []string{"NetworkActivity"}},
			{Field: aws.String("eventSource"), Equals: []string{"cloudtrail.amazonaws.com"}},
		},
	}}
}
