"""The provider block: region, credentials, assume_role, endpoints, retries,
aliases, and the standard AWS environment variables boto3 reads itself."""

from __future__ import annotations

import socket
import textwrap

from govctl_aws.provider import AwsProvider
from tests.providers.aws.conftest import REGION, AwsWorkspace, Moto


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_environment_alone_configures_the_provider(aws: AwsWorkspace, monkeypatch) -> None:
    # no provider block at all: region, credentials and endpoint from the environment
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.moto.url)
    (aws.root / "main.hcl").write_text(textwrap.dedent("""
        resource "aws_s3_bucket" "a" {
          bucket = "from-env"
        }
        data "aws_caller_identity" "me" {}
        output "account" {
          value = data.aws_caller_identity.me.account_id
        }
    """))
    out = aws.applied()
    assert 'account = "123456789012"' in out
    loc = aws.moto.client("s3").get_bucket_location(Bucket="from-env")["LocationConstraint"]
    assert loc == REGION


def test_aliases_work_side_by_side(aws: AwsWorkspace) -> None:
    services = "\n".join(f'    {s} = "{aws.moto.url}"' for s in ("s3", "sts"))
    aws.write(f"""
        provider "aws" {{
          alias      = "us"
          region     = "us-west-2"
          access_key = "testing"
          secret_key = "testing"
          endpoints {{
        {services}
          }}
        }}
        resource "aws_s3_bucket" "eu" {{
          bucket = "ml-eu"
        }}
        resource "aws_s3_bucket" "us" {{
          provider = aws.us
          bucket   = "ml-us"
        }}
    """)
    aws.applied()
    s3 = aws.moto.client("s3")
    assert s3.get_bucket_location(Bucket="ml-eu")["LocationConstraint"] == REGION
    assert s3.get_bucket_location(Bucket="ml-us")["LocationConstraint"] == "us-west-2"
    assert aws.attrs("aws_s3_bucket.us")["region"] == "us-west-2"
    provider_of = {r["name"]: r["provider"] for r in aws.state()["resources"]}
    assert provider_of == {"eu": 'provider["govctl/aws"]', "us": 'provider["govctl/aws"].us'}
    aws.no_changes()


def test_assume_role(aws: AwsWorkspace) -> None:
    aws.write("""
        data "aws_caller_identity" "me" {}
        output "arn" {
          value = data.aws_caller_identity.me.arn
        }
    """, provider_extra=textwrap.indent(textwrap.dedent("""\
        assume_role {
          role_arn     = "arn:aws:iam::123456789012:role/govctl-deployer"
          session_name = "ci-run-42"
          external_id  = "shh"
        }
    """), "  "))
    out = aws.applied()
    assert "assumed-role/govctl-deployer/ci-run-42" in out


def test_retry_settings_reach_botocore(moto: Moto) -> None:
    p = AwsProvider()
    p.configure({"region": REGION, "max_retries": 3, "retry_mode": "standard",
                 "endpoints": {"s3": moto.url}})
    retries = p.aws.client("s3").meta.config.retries
    assert retries["mode"] == "standard" and retries["total_max_attempts"] == 3
    default = AwsProvider()
    default.configure({"region": REGION})
    assert default.aws.client("kms").meta.config.retries["mode"] == "adaptive"


def test_unreachable_endpoint_is_a_diagnostic(aws: AwsWorkspace) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    (aws.root / "main.hcl").write_text(textwrap.dedent(f"""
        provider "aws" {{
          region      = "{REGION}"
          max_retries = 1
          endpoints {{
            s3 = "{url}"
          }}
        }}
        resource "aws_s3_bucket" "a" {{
          bucket = "nowhere"
        }}
    """))
    code, out, err = aws.apply()
    assert code == 1
    assert f"cannot reach {url}" in err
    assert "Traceback" not in out + err


def test_missing_region_is_a_diagnostic(aws: AwsWorkspace, monkeypatch) -> None:
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.moto.url)
    (aws.root / "main.hcl").write_text('resource "aws_s3_bucket" "a" {\n  bucket = "x1"\n}\n')
    code, out, err = aws.apply()
    assert code == 1
    assert "no AWS region" in err
    assert "Traceback" not in out + err


def test_sensitive_credentials_never_printed(aws: AwsWorkspace) -> None:
    aws.write('resource "aws_s3_bucket" "a" {\n  bucket = "quiet"\n}\n',
              provider_extra='  token = "super-secret-session-token"\n')
    out = aws.applied()
    assert "super-secret-session-token" not in out
    assert "super-secret-session-token" not in (aws.root / "govctl.tfstate").read_text()
