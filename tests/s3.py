"""A real S3 API for tests: moto's server on a loopback port, and the media storage pointed at it.

`moto_server()` starts moto's `ThreadedMotoServer` (the `moto[server]` HTTP server, in a thread of
this process) on 127.0.0.1 and a free port. The `s3` fixture makes a fresh bucket there and sets
`STORAGES["default"]` to django-storages' S3 backend with the options `config/settings.py` gives
it, so the app, the job worker code and the test's own boto3 client all talk S3 over HTTP. Nothing
patches boto3: the requests are real, only the server is moto.

pytest-django's `settings` fixture sends `setting_changed`; Django's `storages_changed` receiver
then drops the cached backends and empties `default_storage`, and does so again when the test
ends, so the next test gets the local storage back.
"""

import logging
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import boto3
import pytest
from moto.server import ThreadedMotoServer

REGION = "us-east-1"
ACCESS_KEY = "hyperlabel-test"
SECRET_KEY = "hyperlabel-test-secret"


@contextmanager
def moto_server() -> Iterator[str]:
    """An S3 endpoint URL served by moto on loopback until the block ends."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def s3_client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


def s3_storage(endpoint: str, bucket: str, *, url_seconds: int = 300) -> dict:
    """The `STORAGES["default"]` entry `config/settings.py` builds when S3_BUCKET is set."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint,
            "region_name": REGION,
            "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY,
            "querystring_auth": True,
            "querystring_expire": url_seconds,
            "file_overwrite": False,
            "default_acl": None,
            "addressing_style": "path",
            # botocore presigns with SigV2 unless told; S3 refuses SigV2 on newer buckets.
            "signature_version": "s3v4",
        },
    }


@dataclass
class Bucket:
    """The test's bucket, read and written with its own boto3 client (not the app's storage)."""

    endpoint: str
    name: str
    client: object

    def names(self, prefix: str = "") -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.name, Prefix=prefix
        )
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.name, Key=key, Body=data)

    def empty(self) -> None:
        for key in self.names():
            self.client.delete_object(Bucket=self.name, Key=key)


def make_bucket(client, prefix: str = "hl-test") -> str:
    name = f"{prefix}-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    return name


def fetch(url: str) -> tuple[int, bytes]:
    """GET a URL as a browser following a redirect would: plain HTTP, no credentials."""
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3(settings, moto_endpoint) -> Iterator[Bucket]:
    """The media storage is a fresh bucket on the moto server for this test."""
    client = s3_client(moto_endpoint)
    bucket = Bucket(endpoint=moto_endpoint, name=make_bucket(client), client=client)
    settings.S3_BUCKET = bucket.name
    settings.S3_READ_BUCKETS = []
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage(moto_endpoint, bucket.name, url_seconds=settings.S3_URL_SECONDS),
    }
    yield bucket
    bucket.empty()
    client.delete_bucket(Bucket=bucket.name)
