#!/usr/bin/env python3
"""Evidence files in S3-compatible object storage (issue 21), against the real binary:

- with EKINERJA_FILES_S3_BUCKET set, a photo an employee uploads is stored in the bucket under
  `<agency>/<file id>`, without its metadata, and served back byte for byte from there;
- nothing is written to the local files directory;
- when the storage is gone, an upload answers 503 and stores no row: nothing half-done.

A moto server (PyPI) plays the S3 service. Run it with scripts/s3_check.sh, which makes the venv.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import boto3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crash_check import BINARY, PASSWORD, Server, call, employees_with_accounts, free_port  # noqa: E402

BUCKET = "ekinerja-evidence"


SERVER = None


def fail(why):
    """Stop with the reason, and the end of the server's log once it runs."""
    if SERVER is not None:
        SERVER.fail(why)
    sys.exit(f"s3-check: {why}")


def photo():
    """A structurally whole JPEG with an EXIF segment and a comment naming the camera's owner."""
    exif = b"Exif\x00\x00II*\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    comment = b"Kamera milik Putu Ayu"
    out = b"\xff\xd8"
    out += b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    out += b"\xff\xe1" + (len(exif) + 2).to_bytes(2, "big") + exif
    out += b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
    out += b"\xff\xc0\x00\x0b\x08\x00\x01\x00\x01\x01\x01\x11\x00"
    out += b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00\x12\x34\xff\xd9"
    return out


def upload(base, token, data):
    req = urllib.request.Request(base + "/api/v1/files?name=IMG_0001.jpg", data=data, method="POST")
    req.add_header("content-type", "image/jpeg")
    req.add_header("authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def download(base, token, path):
    req = urllib.request.Request(base + path, method="GET")
    req.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=30) as res:
        return res.status, res.headers.get("content-type"), res.read()


def main():
    if not os.path.exists(BINARY):
        fail("build target/debug/ekinerja first")
    work = tempfile.mkdtemp()
    moto_port = free_port()
    moto_log = open(os.path.join(work, "moto.log"), "wb")
    moto = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "moto_server"), "-p", str(moto_port)],
                            stdout=moto_log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{moto_port}"
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    began = time.time()
    while True:
        try:
            s3.create_bucket(Bucket=BUCKET)
            break
        except Exception as e:  # noqa: BLE001 - the server is still starting
            if time.time() - began > 30:
                fail(f"the moto server did not start: {e}")
            time.sleep(0.3)
    files_dir = os.path.join(work, "files")
    server = Server("sqlite://" + os.path.join(work, "s3.db"), free_port(), open(os.path.join(work, "server.log"), "wb"),
                    name="s3-check", env={
                        "EKINERJA_FILES_DIR": files_dir,
                        "EKINERJA_FILES_S3_BUCKET": BUCKET,
                        "AWS_ENDPOINT": endpoint,
                        "AWS_ALLOW_HTTP": "true",
                        "AWS_REGION": "us-east-1",
                        "AWS_ACCESS_KEY_ID": "testing",
                        "AWS_SECRET_ACCESS_KEY": "testing",
                        "RUST_LOG": "warn",
                    })
    global SERVER
    SERVER = server
    try:
        server.start(seed=True)
        base = server.base
        status, body = call(base, "POST", "/api/v1/auth/login", body={"login": "bkpsdm.sukamaju", "password": PASSWORD})
        if status != 200:
            fail(f"the admin's sign-in answered {status}")
        admin = body["access_token"]
        person = employees_with_accounts(base, admin, 30, 1)[0]
        original = photo()
        status, up = upload(base, person["token"], original)
        if status != 201:
            fail(f"the upload answered {status}: {up}")
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
        agency = call(base, "GET", f"/api/v1/employees/{person['id']}", admin)[1]["agency_id"]
        if keys != [f"{agency}/{up['id']}"]:
            fail(f"the bucket holds {keys}, not the file under its agency")
        stored = s3.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read()
        if b"Exif" in stored or b"Putu Ayu" in stored or not stored.startswith(b"\xff\xd8"):
            fail("the stored object still carries the photo's metadata, or is no JPEG")
        status, kind, served = download(base, person["token"], up["content_url"])
        if (status, kind, served) != (200, "image/jpeg", stored):
            fail(f"the download answered {status} {kind} with other bytes than the bucket's")
        if os.path.exists(files_dir) and os.listdir(files_dir):
            fail(f"the local files directory was written to: {os.listdir(files_dir)}")
        print(f"s3-check: the photo is in the bucket as {keys[0]} ({len(stored)} of {len(original)} bytes, "
              "metadata removed) and is served from there", flush=True)

        # The storage goes away: the upload is refused whole, and no row names a missing object.
        moto.terminate()
        moto.wait()
        status, body = upload(base, person["token"], original)
        if status != 503:
            fail(f"with the storage gone the upload answered {status}: {body}")
        account = call(base, "GET", "/api/v1/me", person["token"])[1]["account_id"]
        status, body = call(base, "GET", f"/api/v1/audit-events?actor_account_id={account}&limit=200", admin)
        uploads = [e for e in body["items"] if e["entity_type"] == "evidence_file"]
        if len(uploads) != 1:
            fail(f"{len(uploads)} uploads were recorded; only the first one stored its object")
        print("s3-check: with the storage gone, an upload answers 503 and records nothing", flush=True)
        # A graceful stop ends the process cleanly, its file store's runtime included.
        server.proc.terminate()
        code = server.proc.wait(timeout=30)
        if code != 0:
            fail(f"the server stopped with {code} on SIGTERM")
        print("s3-check: the server stops cleanly", flush=True)
    finally:
        if server.proc and server.proc.poll() is None:
            server.proc.terminate()
            server.proc.wait()
        if moto.poll() is None:
            moto.terminate()
            moto.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
