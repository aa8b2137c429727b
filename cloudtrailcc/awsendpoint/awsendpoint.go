// Package awsendpoint configures aws-sdk-go-v2 clients for a custom
// AWS-compatible endpoint (the bundled emulator, LocalStack, ...), where the
// SDK's default addressing would reach hosts such a server does not answer.
package awsendpoint

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	smithyendpoints "github.com/aws/smithy-go/endpoints"
)

// PinS3Control is an s3control option: when the client has a BaseEndpoint,
// its calls go to that URL itself. Without it the SDK sends account-level
// calls (GetPublicAccessBlock) to ACCOUNT.host, which a custom endpoint does
// not serve. Clients without a BaseEndpoint are left as they are.
func PinS3Control(o *s3control.Options) {
	if o.BaseEndpoint != nil {
		o.EndpointResolverV2 = pinnedS3Control{next: s3control.NewDefaultEndpointResolverV2()}
	}
}

// pinnedS3Control resolves S3 Control endpoints to the custom base URL
// itself, without the account-id host label.
type pinnedS3Control struct{ next s3control.EndpointResolverV2 }

// ResolveEndpoint implements s3control.EndpointResolverV2.
func (p pinnedS3Control) ResolveEndpoint(ctx context.Context, params s3control.EndpointParameters) (smithyendpoints.Endpoint, error) {
	params.RequiresAccountId = aws.Bool(false)
	params.AccountId = nil
	return p.next.ResolveEndpoint(ctx, params)
}
