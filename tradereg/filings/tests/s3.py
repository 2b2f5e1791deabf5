"""A real S3 API on loopback for tests: moto's server on a free port, a bucket per test.

Each test module that needs it starts one server (``MotoS3.start``) in a module-scoped
fixture; a bucket of its own per test keeps tests apart inside one server.
"""

import logging
import socket
import uuid
from dataclasses import dataclass
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

REGION = "cn-north-1"
ACCESS_KEY = "tradereg-test-key"
SECRET_KEY = "tradereg-test-secret-do-not-use"
STORAGE = "tradereg.common.storage.PrivateS3Storage"
PUBLIC_GROUPS = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class MotoS3:
    server: ThreadedMotoServer
    endpoint: str
    client: Any

    @classmethod
    def start(cls) -> "MotoS3":
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        port = _free_port()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        endpoint = f"http://127.0.0.1:{port}"
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )
        return cls(server=server, endpoint=endpoint, client=client)

    def stop(self) -> None:
        self.server.stop()

    def bucket(self) -> str:
        name = f"tradereg-{uuid.uuid4().hex[:12]}"
        self.client.create_bucket(
            Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        return name

    def options(self, bucket: str) -> dict[str, Any]:
        """STORAGES["default"]["OPTIONS"] as settings.py builds them from S3_*."""
        return {
            "bucket_name": bucket,
            "endpoint_url": self.endpoint,
            "region_name": REGION,
            "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY,
        }

    def storages(self, settings: Any, bucket: str) -> dict[str, Any]:
        return {
            **settings.STORAGES,
            "default": {"BACKEND": STORAGE, "OPTIONS": self.options(bucket)},
        }

    def env(self, bucket: str) -> dict[str, str]:
        """The same storage for a manage.py run in another process."""
        return {
            "MEDIA_STORAGE": "s3",
            "S3_BUCKET": bucket,
            "S3_ENDPOINT_URL": self.endpoint,
            "S3_REGION": REGION,
            "S3_ACCESS_KEY_ID": ACCESS_KEY,
            "S3_SECRET_ACCESS_KEY": SECRET_KEY,
        }

    def objects(self, bucket: str) -> dict[str, bytes]:
        """Every object in the bucket, by key, read straight from the S3 API."""
        found = {}
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                body = self.client.get_object(Bucket=bucket, Key=item["Key"])["Body"]
                found[item["Key"]] = body.read()
        return found

    def public_grants(self, bucket: str, key: str) -> list[dict]:
        grants = self.client.get_object_acl(Bucket=bucket, Key=key)["Grants"]
        return [g for g in grants if g["Grantee"].get("URI") in PUBLIC_GROUPS]

    def empty(self, bucket: str) -> None:
        for key in self.objects(bucket):
            self.client.delete_object(Bucket=bucket, Key=key)
