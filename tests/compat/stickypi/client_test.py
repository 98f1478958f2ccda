#!/usr/bin/env python3
"""Sticky Pi's official, unmodified RemoteClient against a real `vitrine serve` on loopback.

The client runs as field labs run it (RemoteClient(...).put_images(files), get_image_series(...),
put_uid_annotations(...)) on the real trap photos of ../shared/data/stickypi, and what it stores is
cross-checked through Vitrine's own /api/v1. Covers: tokens (Basic user:password, then `token:`),
users and their roles, incremental put_images (a re-put uploads nothing), metadata with the EXIF
sensor values as upstream's ImageParser reads them (2020 `Make` dicts, 2022 `UserComment` lines),
pictures through signed links (and tampered, foreign, expired and orphaned links refused), series
by device, pattern and range, uid annotations (as annotation runs, natively queryable by box),
roles (read-only users cannot write, only admins delete) and deletes cascading to annotations.

Usage: client_test.py VITRINE WORK_DIR CLIENT_DIR DATA_DIR
  CLIENT_DIR: ../shared/clients (sticky-pi-api and its shims); DATA_DIR: ../shared/data/stickypi.
Prints 'N passed, M failed'; exits non-zero on any failure. Without the client it prints 'NOT RUN'
and exits 0, unless VITRINE_REQUIRE_COMPAT_CLIENTS=1.
"""
import datetime
import glob
import hashlib
import hmac
import json
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
import traceback
import types
import urllib.parse

import cv2
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from live_server import start_server  # noqa: E402

results = []


def check(name, ok, detail=""):
    results.append((name, bool(ok)))
    print(("PASS " if ok else "FAIL ") + name + (": " + str(detail) if detail and not ok else ""), flush=True)


def raises(call, *args, **kwargs):
    """The exception the client raised, or None."""
    try:
        call(*args, **kwargs)
    except Exception as e:  # the client raises RemoteAPIException with the server's JSON error
        print("  (refused as expected: %s)" % str(e)[:160])
        return e
    return None


def close(a, b, tolerance=1e-3):
    return a is not None and b is not None and abs(float(a) - float(b)) <= tolerance


def when(text):
    return datetime.datetime.strptime(text, "%Y-%m-%d_%H-%M-%S")


class Native:
    """Vitrine's own API, for setup and cross-checks."""

    def __init__(self, requests, base, token):
        self.requests, self.base, self.headers = requests, base, {"Authorization": "Bearer " + token}

    def get(self, path, **params):
        return self.requests.get(self.base + path, headers=self.headers, params=params, timeout=60)

    def post(self, path, body):
        return self.requests.post(self.base + path, headers=self.headers, json=body, timeout=60)

    @staticmethod
    def signed_in(requests, base, username, password):
        r = requests.post(base + "/api/v1/auth/token", json={"username": username, "password": password}, timeout=60)
        return Native(requests, base, r.json()["token"])


def client_for(ctx, username, password, n_threads=1):
    local = tempfile.mkdtemp(prefix="spi-%s-" % username, dir=ctx.work)
    client = ctx.RemoteClient(local, "127.0.0.1", username, password, protocol="http", port=ctx.port,
                              n_threads=n_threads)
    return client


def quick_refusals(client):
    """The client retries every refused call 5 times, sleeping 5 s each: spare the waiting where a
    refusal is the expected answer (the retries still happen, so each refusal is asked 6 times)."""
    client._sleep_time_between_attempts = 0
    return client


# ---- sections ------------------------------------------------------------------------------------

def check_tokens_and_users(ctx):
    admin = ctx.admin
    token = admin.get_token()
    check("get_token answers a token and a unix expiration about 24 h ahead",
          isinstance(token.get("token"), str) and abs(token.get("expiration", 0) - (time.time() + 86400)) < 120,
          token)
    r = ctx.requests.post(ctx.base + "/get_users", json=[{}], auth=(token["token"], ""), timeout=30)
    check("Basic `token:` authenticates a raw call", r.status_code == 200 and any(
        u["username"] == "admin" for u in r.json()), r.text[:200])
    r = ctx.requests.post(ctx.base + "/get_users", json=[{}], auth=("admin", "wrong-password"), timeout=30)
    check("a wrong password: 401 with a JSON error", r.status_code == 401 and "error" in r.json(), r.text[:200])
    r = ctx.requests.post(ctx.base + "/get_users", data=b"[{", auth=(token["token"], ""), timeout=30,
                          headers={"Content-Type": "application/json"})
    check("a body that is not JSON: 400 naming it", r.status_code == 400 and "JSON" in r.text, r.text[:200])

    refused = raises(quick_refusals(admin).put_users, [{"username": "spi_early", "password": "early-long-password"},
                                                       {"username": "spi_broken"}])
    admin._sleep_time_between_attempts = 5
    check("put_users with a bad item: refused", refused is not None)
    made = admin.put_users([{"username": "spi_writer", "password": "writer-long-password", "email": "w@example.org"},
                            {"username": "spi_reader", "password": "reader-long-password", "can_write": False},
                            {"username": "spi_manager", "password": "manager-long-password", "is_admin": True}])
    check("put_users creates the users", sorted(u["username"] for u in made) == [
        "spi_manager", "spi_reader", "spi_writer"], made)
    check("... and none of a list with a bad item", "spi_early" not in [u["username"] for u in admin.get_users()])
    listed = {u["username"]: u for u in admin.get_users()}
    check("get_users lists them with masked passwords",
          {"spi_writer", "spi_reader", "admin"} <= set(listed) and
          all(u["password_hash"] == "***********" for u in listed.values()), listed)
    check("can_write and is_admin follow the Sticky Pi roles",
          listed["spi_writer"]["can_write"] is True and listed["spi_reader"]["can_write"] is False and
          listed["admin"]["is_admin"] is True and listed["spi_writer"]["is_admin"] is False and
          listed["spi_manager"]["is_admin"] is True, listed)
    admins = sorted(u["username"] for u in admin.get_users([{"is_admin": True}]))
    check("the is_admin filter follows the same rule", admins == ["admin", "spi_manager"], admins)
    pattern = admin.get_users([{"username": "spi_%"}])
    check("get_users takes LIKE patterns",
          sorted(u["username"] for u in pattern) == ["spi_manager", "spi_reader", "spi_writer"], pattern)
    projects = ctx.native_admin.get("/api/v1/projects").json()["items"]
    sticky = [p for p in projects if p.get("properties", {}).get("sticky_pi") == "project"]
    check("the first write made the Sticky Pi project, marked by its property", len(sticky) == 1, projects)
    ctx.writer = client_for(ctx, "spi_writer", "writer-long-password", n_threads=2)
    ctx.reader = quick_refusals(client_for(ctx, "spi_reader", "reader-long-password"))
    if sticky:
        ctx.project = sticky[0]["id"]
        listed = ctx.native_admin.get("/api/v1/projects/%d/members" % ctx.project).json()
        members = {m["username"]: m["role"] for m in (listed["items"] if isinstance(listed, dict) else listed)}
        check("the users are members with the roles asked for",
              members.get("spi_writer") == "contributor" and members.get("spi_reader") == "viewer", members)


def check_projects(ctx):
    users = {u["username"]: u["id"] for u in ctx.admin.get_users()}
    made = ctx.writer.put_projects([{"name": "bait-2022", "description": "bait trial", "notes": "weekly"},
                                    {"name": "bait-2022"}])
    check("put_projects makes projects; names need not be unique",
          len(made) == 2 and made[0]["name"] == made[1]["name"] == "bait-2022" and made[0]["notes"] == "weekly" and
          made[0]["api_user_id"] == users["spi_writer"], made)
    if len(made) != 2:
        return
    first, second = made[0]["id"], made[1]["id"]
    mine = ctx.writer.get_projects([{"name": "bait%"}])
    check("get_projects takes LIKE patterns", sorted(p["id"] for p in mine) == sorted([first, second]), mine)
    check("... and shows a user only their projects", ctx.reader.get_projects([{"name": "bait%"}]) == [])
    everything = ctx.admin.get_projects()
    check("... and an administrator all of them, the Sticky Pi project too",
          {first, second, ctx.project} <= {p["id"] for p in everything}, everything)

    given = ctx.writer.put_project_permissions([{"project_id": first, "user_id": users["spi_reader"], "level": 1}])
    check("put_project_permissions gives a level", given == [
        {"parent_project_id": first, "parent_user_id": users["spi_reader"], "level": 1, "api_version": "vitrine"}],
        given)
    seen = [p["id"] for p in ctx.reader.get_projects()]
    check("... the reader now sees that project (and the Sticky Pi one), not the other",
          sorted(seen) == sorted([first, ctx.project]), seen)
    members = ctx.native_admin.get("/api/v1/projects/%d/members" % first).json()
    members = members["items"] if isinstance(members, dict) else members
    roles = {m["username"]: m["role"] for m in members}
    check("... natively a project role: 1 viewer, 3 manager",
          roles == {"spi_writer": "manager", "spi_reader": "viewer"}, roles)
    permissions = ctx.reader.get_project_permissions([{"id": first}])
    check("get_project_permissions lists the project's levels",
          sorted((p["parent_user_id"], p["level"]) for p in permissions) ==
          sorted([(users["spi_writer"], 3), (users["spi_reader"], 1)]), permissions)
    reader = quick_refusals(ctx.reader)
    check("a reader cannot give permissions",
          raises(reader.put_project_permissions, [{"project_id": first, "user_id": users["spi_reader"],
                                                   "level": 3}]) is not None)
    check("a level outside 1-3 is refused",
          raises(quick_refusals(ctx.writer).put_project_permissions,
                 [{"project_id": first, "user_id": users["spi_reader"], "level": 7}]) is not None)
    ctx.writer._sleep_time_between_attempts = 5

    check("delete_projects passes over projects the caller does not manage",
          ctx.reader.delete_projects([{"id": first}]) == [])
    gone = ctx.writer.delete_projects([{"id": second}])
    check("delete_projects deletes the caller's", [p["id"] for p in gone] == [second], gone)
    check("... an empty filter is refused", raises(quick_refusals(ctx.writer).delete_projects, [{}]) is not None)
    ctx.writer._sleep_time_between_attempts = 5
    r = ctx.requests.post(ctx.base + "/delete_projects", json=[{"id": ctx.project}],
                          auth=("admin", ctx.admin_password), timeout=30)
    check("... the Sticky Pi project, holding the photos, is not deleted this way (409)",
          r.status_code == 409 and "Sticky Pi images" in r.text, r.text[:200])
    ctx.experiment = first


def check_project_series(ctx):
    p = ctx.experiment
    columns = ctx.writer.put_project_columns([{"project_id": p, "column_name": "bait", "column_SQL_type": "BOOLEAN"},
                                              {"project_id": p, "column_name": "site", "column_SQL_type": "VARCHAR(32)"},
                                              {"project_id": p, "column_name": "n_traps", "column_SQL_type": "INT"}])
    check("put_project_columns adds columns", [c["column_name"] for c in columns] == ["bait", "site", "n_traps"],
          columns)
    week = {"project_id": p, "device": "0a5bb6f4", "start_datetime": when("2020-06-15_00-00-00"),
            "end_datetime": when("2020-06-22_00-00-00")}
    put = ctx.writer.put_project_series([dict(week, bait=True, site="north", n_traps=3),
                                         dict(week, device="1b74105a", bait=False)])
    check("put_project_series adds rows with their values",
          len(put) == 2 and put[0]["bait"] is True and put[0]["site"] == "north" and put[0]["n_traps"] == 3 and
          put[1]["site"] is None, put)
    writer = quick_refusals(ctx.writer)
    check("the same device and week again: refused", raises(writer.put_project_series, [week]) is not None)
    check("a value of the wrong kind: refused",
          raises(writer.put_project_series, [dict(week, device="aaaaaaaa", n_traps="many")]) is not None)
    check("a column that does not exist: refused",
          raises(writer.put_project_series, [dict(week, device="aaaaaaaa", colour="red")]) is not None)
    check("a column name that is not an identifier: refused", raises(
        writer.put_project_columns, [{"project_id": p, "column_name": "x; DROP TABLE", "column_SQL_type": "INT"}])
        is not None)
    ctx.writer._sleep_time_between_attempts = 5
    if len(put) == 2:
        updated = ctx.writer.put_project_series([{"project_id": p, "id": put[0]["id"], "site": "south"}])
        check("put_project_series with an id updates what it gives, keeps the rest",
              updated and updated[0]["site"] == "south" and updated[0]["bait"] is True and
              updated[0]["device"] == "0a5bb6f4", updated)
    renamed = ctx.writer.put_project_columns([{"project_id": p, "column_name": "location", "old_column_name": "site"}])
    check("put_project_columns with old_column_name renames", renamed == [{"column_name": "location",
                                                                           "column_SQL_type": None}], renamed)
    rows = ctx.reader.get_project_series([{"project_id": p}])
    check("get_project_series: the rows, the renamed column with its values",
          len(rows) == 2 and rows[0].get("location") == "south" and "site" not in rows[0], rows)
    check("a reader cannot drop columns",
          raises(quick_refusals(ctx.reader).delete_project_columns, [{"project_id": p, "column_name": "bait"}])
          is not None)
    dropped = ctx.writer.delete_project_columns([{"project_id": p, "column_name": "n_traps"}])
    check("delete_project_columns drops a column", dropped == [{"column_name": "n_traps"}], dropped)
    if len(put) == 2:
        gone = ctx.writer.delete_project_series([{"project_id": p, "id": put[1]["id"]}])
        check("delete_project_series answers the rows deleted", [g["device"] for g in gone] == ["1b74105a"], gone)
    rows = ctx.writer.get_project_series([{"project_id": p}])
    check("... one row left, without the dropped column", len(rows) == 1 and "n_traps" not in rows[0], rows)
    token = ctx.writer.get_token()["token"]
    r = ctx.requests.post(ctx.base + "/get_project_series", auth=(token, ""), timeout=60,
                          json=[{"project_id": p}] * 101)
    check("get_project_series of 101 items: 413 (each lists a project's series)", r.status_code == 413, r.text[:200])
    r = ctx.requests.post(ctx.base + "/get_projects", auth=(token, ""), timeout=60, json=[{"name": "%" * 300}])
    check("a LIKE pattern over 256 bytes: 400 (matching costs pattern x text)", r.status_code == 400, r.text[:200])
    r = ctx.requests.post(ctx.base + "/get_users", auth=(token, ""), timeout=60, json=[{"username": "a"}] * 101)
    check("more than 100 filters: 413", r.status_code == 413, r.text[:200])
    outsider = quick_refusals(client_for(ctx, "spi_manager", "manager-long-password"))
    check("a user outside the project cannot read its series",
          raises(outsider.get_project_series, [{"project_id": p}]) is not None)


def check_put_images(ctx):
    files = ctx.files
    # A user who could mark a project of their own as the Sticky Pi one would divert uploads into it.
    writer_native = Native.signed_in(ctx.requests, ctx.base, "spi_writer", "writer-long-password")
    decoy = writer_native.post("/api/v1/projects", {"name": "decoy", "properties": {"sticky_pi": "project"}})
    check("a writer cannot make a project marked sticky_pi=project (403)", decoy.status_code == 403, decoy.text[:200])
    own = writer_native.post("/api/v1/projects", {"name": "decoy"})
    marked = ctx.requests.patch(ctx.base + "/api/v1/projects/%d" % own.json().get("id", 0),
                                headers=writer_native.headers, json={"properties": {"sticky_pi": "project"}},
                                timeout=60)
    check("... nor mark one they manage (403)", own.status_code == 201 and marked.status_code == 403, marked.text[:200])
    unmarked = ctx.requests.patch(ctx.base + "/api/v1/projects/%d" % ctx.project, headers=writer_native.headers,
                                  json={"properties": {"sticky_pi": None}}, timeout=60)
    check("... nor unmark the Sticky Pi project", unmarked.status_code == 403, unmarked.text[:200])
    first = ctx.writer.put_images(files[:2])
    check("put_images of two photos uploads two", len(first) == 2, first)
    rest = ctx.writer.put_images(files)
    check("put_images of all uploads only the other %d" % (len(files) - 2), len(rest) == len(files) - 2,
          [r.get("device") for r in rest])
    again = ctx.writer.put_images(files)
    check("a re-put uploads nothing", again == [], again)
    fresh = client_for(ctx, "spi_writer", "writer-long-password")  # no local cache: asks the server
    check("... nor from a client without the stats cache", fresh.put_images(files) == [])
    refused = raises(ctx.reader.put_images, [ctx.spare])
    check("a read-only user cannot put images", refused is not None)
    listed = ctx.native_admin.get("/api/v1/images", limit=100).json()
    check("every photo is a Vitrine image in /api/v1", listed.get("total") == len(files), listed.get("total"))
    in_real = ctx.native_admin.get("/api/v1/projects/%d/images" % ctx.project, limit=100).json()
    check("uploads went to the administrator's Sticky Pi project", in_real.get("total") == len(files),
          in_real.get("total"))

    # Without its .md5 part an upload cannot be checked: refused, nothing stored.
    name = os.path.basename(ctx.spare)
    with open(ctx.spare, "rb") as f:
        r = ctx.requests.post(ctx.base + "/_put_new_images", files={name: (name, f)},
                              auth=("spi_writer", "writer-long-password"), timeout=60)
    check("an upload without its .md5 part: 400 naming it", r.status_code == 400 and ".md5" in r.text, r.text[:200])
    with open(ctx.spare, "rb") as f:
        r = ctx.requests.post(ctx.base + "/_put_new_images", files={name: (name, f), name + ".md5": (None, "0" * 32)},
                              auth=("spi_writer", "writer-long-password"), timeout=60)
    check("an upload whose bytes do not have its MD5: refused", r.status_code == 400 and "MD5" in r.text.upper(),
          r.text[:200])
    check("... and neither was stored", ctx.native_admin.get("/api/v1/images", limit=1).json().get("total") ==
          len(files))


def check_metadata(ctx):
    legacy = os.path.join(ctx.data, "raw_images", "5c173ff2", "5c173ff2.2020-06-20_21-33-24.jpg")
    modern = os.path.join(ctx.data, "raw_images", "2022", "512858f4.2022-05-17_18-46-57.jpg")
    rows = ctx.writer.get_images([{"device": "5c173ff2", "datetime": when("2020-06-20_21-33-24")},
                                  {"device": "512858f4", "datetime": "2022-05-17T18:46:57Z"},
                                  {"device": "512858f4", "datetime": "2022-05-17_18-46-57"},
                                  {"device": "0a5bb6f4", "datetime": "2021-01-01T00:00:00Z"}])
    check("get_images finds the asked photos, skips the missing one, takes both date forms", len(rows) == 3,
          [(r["device"], r["datetime"]) for r in rows])
    if len(rows) < 2:
        return
    old, new = rows[0], rows[1]
    md5 = hashlib.md5(open(legacy, "rb").read()).hexdigest()
    check("2020 photo: size, md5 and capture time",
          old["width"] == 2592 and old["height"] == 1944 and old["md5"] == md5 == "65e69135d29871e8ee0ac453583effaf" and
          old["datetime"] == when("2020-06-20_21-33-24"), old)
    check("2020 photo: temp and hum from the EXIF Make dict, no GPS fix",
          close(old["temp"], 21.9) and close(old["hum"], 76.8) and old["lat"] is None and old["lng"] is None and
          old["device_version"] == "1.0.0", old)
    check("2022 photo: 4056 x 3040 and the UserComment sensor values",
          new["width"] == 4056 and new["height"] == 3040 and new["device_version"] == "3.1.0" and
          close(new["lat"], 49.26142, 1e-6) and close(new["lng"], -123.25088, 1e-6) and close(new["alt"], 97.3) and
          new["bat"] == 72 and close(new["lum"], 1.2) and new["but"] is True and close(new["temp"], 20.6), new)
    parsed = ctx.ImageParser(modern)
    check("the rows agree with upstream's own ImageParser on the same file",
          all(close(new[k], parsed[k], 1e-4) for k in ("lat", "lng", "alt", "temp", "hum", "lum", "bat")) and
          new["md5"] == parsed["md5"] and new["datetime"] == parsed["datetime"], dict(parsed))
    image = ctx.native_admin.get("/api/v1/images/%d" % new["id"]).json()
    check("natively, the same image has its device, capture time and sensor properties",
          image.get("device") == "512858f4" and image.get("captured_at", "").startswith("2022-05-17T18:46:57") and
          image.get("properties", {}).get("hum") == "42.6", image)


def jpeg_size(data):
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    return None if img is None else (img.shape[1], img.shape[0])


def check_links(ctx):
    legacy = os.path.join(ctx.data, "raw_images", "5c173ff2", "5c173ff2.2020-06-20_21-33-24.jpg")
    q = [{"device": "5c173ff2", "datetime": "2020-06-20T21:33:24Z"}]
    meta = ctx.writer.get_images(q)[0]
    check("what=metadata has an empty url", meta["url"] == "", meta["url"])
    thumb = ctx.writer.get_images(q, what="thumbnail")[0]["url"]
    mini = ctx.writer.get_images(q, what="thumbnail-mini")[0]["url"]
    full = ctx.writer.get_images(q, what="image")[0]["url"]
    get = lambda url: ctx.requests.get(url, timeout=60)  # no credentials, as upstream's S3 links
    r = get(thumb)
    check("thumbnail link: a 512 x 384 JPEG without credentials",
          r.status_code == 200 and jpeg_size(r.content) == (512, 384), (r.status_code, r.text[:100]))
    check("... that nothing may cache (a link outlives neither its expiry nor its user's rights)",
          r.headers.get("cache-control") == "no-store", r.headers.get("cache-control"))
    r = get(mini)
    check("thumbnail-mini link: 128 x 96", r.status_code == 200 and jpeg_size(r.content) == (128, 96), r.status_code)
    r = get(full)
    check("image link: the original bytes", r.status_code == 200 and r.content == open(legacy, "rb").read(),
          r.status_code)
    parsed = ctx.ImageParser(full)
    check("upstream's ImageParser reads the image through its link",
          parsed["device"] == "5c173ff2" and parsed["md5"] == meta["md5"], dict(parsed))

    url = urllib.parse.urlsplit(thumb)
    query = dict(urllib.parse.parse_qsl(url.query))
    def variant(path=None, **changes):
        q2 = dict(query, **changes)
        return urllib.parse.urlunsplit((url.scheme, url.netloc, path or url.path, urllib.parse.urlencode(q2), ""))
    sig = query["signature"]
    tampered = get(variant(signature=("0" if sig[0] != "0" else "1") + sig[1:]))
    check("a tampered signature: 403 with a JSON error",
          tampered.status_code == 403 and "signature" in tampered.json().get("error", {}).get("message", ""),
          tampered.text[:200])
    check("a later expiry with the old signature: 403",
          get(variant(expires=str(int(query["expires"]) + 3600))).status_code == 403)
    other_id = ctx.writer.get_images([{"device": "1b74105a", "datetime": "2020-07-05T10:07:16Z"}])[0]["id"]
    parts = url.path.split("/")  # /stickypi/files/<id>/<what>/<name>
    foreign = list(parts)
    foreign[3] = str(other_id)
    check("the signature of one image on another: 403", get(variant("/".join(foreign))).status_code == 403)
    bigger = list(parts)
    bigger[4] = "image"
    check("a thumbnail's signature on the full image: 403", get(variant("/".join(bigger))).status_code == 403)
    # An expired link, signed with the server's own key: refused for its age, not its signature.
    key = open(os.path.join(ctx.work, "data", "link-signing-key")).read().strip()
    expired = int(time.time()) - 5
    claim = "vitrine-link\nimage/%s/%s\n%s\n%d" % (parts[3], parts[4], query["user"], expired)
    signature = hmac.new(key.encode(), claim.encode(), hashlib.sha256).hexdigest()
    r = get(variant(expires=str(expired), signature=signature))
    check("a correctly signed link that expired: 403 naming the expiry",
          r.status_code == 403 and "expired" in r.text, r.text[:200])
    check("no signature at all: 403", get(variant().split("?")[0]).status_code == 403)
    ctx.reader_link = ctx.reader.get_images(q, what="thumbnail")[0]["url"]
    check("a reader's link works while the reader may sign in", get(ctx.reader_link).status_code == 200)


def check_series(ctx):
    s = lambda device, start, end, what="metadata": ctx.writer.get_image_series(
        [{"device": device, "start_datetime": start, "end_datetime": end}], what=what)
    everything = s("%", when("2020-01-01_00-00-00"), when("2030-01-01_00-00-00"))
    check("series of every device ('%%'): all %d photos" % len(ctx.files), len(everything) == len(ctx.files),
          len(everything))
    one = s("0a5bb6f4", when("2020-01-01_00-00-00"), when("2030-01-01_00-00-00"))
    times = [r["datetime"] for r in one]
    check("series of one device: its 5, in capture order",
          len(one) == 5 and times == sorted(times) and {r["device"] for r in one} == {"0a5bb6f4"}, times)
    ranged = s("0a5bb6f4", times[1], times[3])
    check("a range: start inclusive, end exclusive", [r["datetime"] for r in ranged] == times[1:3],
          [r["datetime"] for r in ranged])
    pattern = s("%b74%", when("2020-01-01_00-00-00"), when("2030-01-01_00-00-00"), what="thumbnail-mini")
    check("a device pattern, with thumbnail-mini links",
          len(pattern) == 2 and all(r["url"].startswith(ctx.base + "/stickypi/files/") for r in pattern), pattern)
    check("the same series twice: the same rows", s("%", times[0], times[-1]) == s("%", times[0], times[-1]))


def contour(x, y, w, h):
    return [[[x, y]], [[x + w, y]], [[x + w, y + h]], [[x, y + h]]]


def check_uid_annotations(ctx):
    image = ctx.writer.get_images([{"device": "0a5bb6f4", "datetime": "2020-06-20T20:19:15Z"}])[0]
    meta = {"algo_name": "sticky-pi-universal-insect-detector", "algo_version": "1598113346-ad2cd78dfaca12821046dfb8994724d5",
            "device": image["device"], "datetime": image["datetime"], "md5": image["md5"]}
    document = {"annotations": [
        {"contour": contour(100, 200, 30, 40), "name": "insect", "fill_colour": "#ff0000",
         "stroke_colour": "#0000ff", "value": 0},
        {"contour": contour(1000, 1500, 12, 9), "name": "insect", "fill_colour": "#ff0000",
         "stroke_colour": "#0000ff", "value": 1}], "metadata": meta}
    stored = ctx.writer.put_uid_annotations([document])
    check("put_uid_annotations stores the document", len(stored) == 1 and stored[0]["n_objects"] == 2 and
          stored[0]["parent_image_id"] == image["id"], stored)
    writer = quick_refusals(ctx.writer)
    check("the same algorithm version again: refused", raises(writer.put_uid_annotations, [document]) is not None)
    bumped = json.loads(json.dumps(document, default=str))
    bumped["metadata"] = dict(meta, algo_version="1598200000-00000000000000000000000000000000")
    bumped["metadata"]["datetime"] = image["datetime"]
    check("a new algorithm version: stored beside it", len(ctx.writer.put_uid_annotations([bumped])) == 1)
    orphan = dict(document, metadata=dict(meta, datetime=when("2020-06-19_00-00-00")))
    check("annotations of an image that does not exist: refused",
          raises(writer.put_uid_annotations, [orphan]) is not None)
    wrong_md5 = dict(document, metadata=dict(meta, md5="0" * 32, algo_version="1598300000-x"))
    check("annotations made on other bytes (md5): refused", raises(writer.put_uid_annotations, [wrong_md5]) is not None)
    check("a read-only user cannot put annotations", raises(ctx.reader.put_uid_annotations, [bumped]) is not None)

    got = ctx.writer.get_uid_annotations([{"device": image["device"], "datetime": image["datetime"]}], what="data")
    check("get_uid_annotations: both versions", len(got) == 2, got)
    mine = [g for g in got if g["algo_version"] == meta["algo_version"]]
    if mine:
        back = json.loads(mine[0]["json"])
        check("the document comes back: contours, names, colours and values",
              [a["contour"] for a in back["annotations"]] == [a["contour"] for a in document["annotations"]] and
              [a["value"] for a in back["annotations"]] == [0, 1] and
              all(a["name"] == "insect" and a["fill_colour"] == "#ff0000" for a in back["annotations"]) and
              back["metadata"]["md5"] == image["md5"], back)
    metadata_only = ctx.writer.get_uid_annotations([{"device": image["device"], "datetime": image["datetime"]}])
    check("what=metadata leaves json empty", all(g["json"] == "" for g in metadata_only), metadata_only)
    series = ctx.writer.get_uid_annotations_series(
        [{"device": "0a5bb6f4", "start_datetime": when("2020-06-20_00-00-00"), "end_datetime": when("2020-06-21_00-00-00")}])
    check("get_uid_annotations_series finds them by device and range", len(series) == 2, series)
    merged = ctx.writer.get_images_with_uid_annotations_series(
        [{"device": "0a5bb6f4", "start_datetime": when("2020-06-20_00-00-00"), "end_datetime": when("2020-06-21_00-00-00")}])
    check("get_images_with_uid_annotations_series merges images with their annotations",
          len(merged) == 6 and sum(1 for m in merged if m.get("algo_name")) == 2, len(merged))
    natively = ctx.native_admin.get("/api/v1/annotations", image=image["id"], bbox="990,1490,1020,1520").json()
    check("natively, a detection is an annotation found by box",
          natively.get("total") == 2 and all(a["properties"].get("name") == "insect" for a in natively["items"]),
          natively)
    runs = ctx.native_admin.get("/api/v1/annotation-runs", device="0a5bb6f4",
                                algorithm="sticky-pi-universal-insect-detector").json()
    check("natively, each document is an annotation run", runs.get("total") == 2, runs)
    ctx.annotated = image


def check_images_to_annotate(ctx):
    detector = {"algo_name": "sticky-pi-universal-insect-detector", "algo_version": "1598113346-ad2cd78d",
                "device": "%", "start_datetime": when("2020-01-01_00-00-00"),
                "end_datetime": when("2030-01-01_00-00-00")}
    todo = len(ctx.files) - 1  # one photo has this detector's run already (check_uid_annotations)
    first = ctx.writer.get_images_to_annotate([detector], what="thumbnail")
    check("get_images_to_annotate leases 8 images, with links",
          len(first) == 8 and all(r["url"].startswith(ctx.base + "/stickypi/files/") for r in first),
          [(r.get("device"), r.get("url", "")[:60]) for r in first])
    times = [r["datetime"] for r in first]
    check("... by capture time", times == sorted(times), times)
    second = ctx.writer.get_images_to_annotate([detector])
    leased = {r["id"] for r in first} | {r["id"] for r in second}
    check("... then the other %d, none twice" % (todo - 8), len(second) == todo - 8 and len(leased) == todo,
          [r["id"] for r in second])
    check("... the annotated photo is not among them", ctx.annotated["id"] not in leased)
    check("... then nothing: every image is held", ctx.writer.get_images_to_annotate([detector]) == [])
    newer = ctx.writer.get_images_to_annotate([dict(detector, algo_version="1700000000-newer")])
    check("a newer version of the detector: the annotated photo needs it",
          [r["id"] for r in newer] == [ctx.annotated["id"]], newer)
    other = ctx.writer.get_images_to_annotate([dict(detector, algo_name="another-detector", device="0a5b%")])
    check("another algorithm leases for itself (one device: its 5)", len(other) == 5, len(other))
    check("a read-only user gets no work", raises(ctx.reader.get_images_to_annotate, [detector]) is not None)
    token = ctx.writer.get_token()["token"]
    third = {"algo_name": "third-detector", "algo_version": "1", "device": "%",
             "start_datetime": "2020-01-01T00:00:00Z", "end_datetime": "2030-01-01T00:00:00Z"}
    r = ctx.requests.post(ctx.base + "/get_images_to_annotate/metadata", auth=(token, ""), timeout=60,
                          json=[third, {"algo_name": "third-detector"}])
    check("a request with a bad second series: 400", r.status_code == 400, r.text[:200])
    check("... and its first series leased nothing",
          len(ctx.writer.get_images_to_annotate([dict(detector, algo_name="third-detector")])) == 8)


def write_file(path, data, mtime=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))


def tree(folder):
    """{relative path: bytes} of the files under `folder`."""
    out = {}
    for root, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            out[os.path.relpath(path, folder)] = open(path, "rb").read()
    return out


def check_ml_bundles(ctx):
    from sticky_pi_api.utils import multipart_etag
    name = "universal-insect-detector"
    pushed = os.path.join(ctx.work, "bundles", "push", name)
    rng = np.random.default_rng(7)
    model = rng.integers(0, 256, size=20 * 1024 * 1024 + 12345, dtype=np.uint8).tobytes()  # two 15 MiB parts
    an_hour_ago = time.time() - 3600
    write_file(os.path.join(pushed, "config", "config.yaml"), b"MODEL:\n  WEIGHTS: model_final.pth\n", an_hour_ago)
    write_file(os.path.join(pushed, "data", "a.svg"), b"<svg>" + b"a" * 100000 + b"</svg>", an_hour_ago)
    write_file(os.path.join(pushed, "data", "b_1.svg"), b"<svg>" + b"b" * 5000 + b"</svg>", an_hour_ago)
    write_file(os.path.join(pushed, "output", "model_final.pth"), model, an_hour_ago)
    write_file(os.path.join(pushed, "data", ".cache", "skipped.svg"), b"<svg/>")  # the client skips .cache

    up = ctx.writer.put_ml_bundle_dir(name, pushed)
    check("put_ml_bundle_dir uploads the bundle's 4 files",
          sorted(f["key"] for f in up) == ["config/config.yaml", "data/a.svg", "data/b_1.svg",
                                           "output/model_final.pth"], [f["key"] for f in up])
    listed = ctx.native_admin.get("/api/v1/data", project=ctx.project, name="ml/%s/%%" % name).json()
    by_name = {d["name"]: d for d in listed.get("items", [])}
    model_etag = multipart_etag(os.path.join(pushed, "output", "model_final.pth"), 15 * 1024 * 1024)
    check("natively, they are data files ml/<bundle>/<key> with S3's multipart ETag",
          len(by_name) == 4 and model_etag.endswith("-2") and
          by_name.get("ml/%s/output/model_final.pth" % name, {}).get("etag") == model_etag and
          by_name.get("ml/%s/output/model_final.pth" % name, {}).get("size") == len(model), listed)
    check("a second push moves nothing", ctx.writer.put_ml_bundle_dir(name, pushed) == [])

    write_file(os.path.join(pushed, "config", "config.yaml"), b"MODEL:\n  WEIGHTS: model_final.pth\n  LR: 0.01\n",
               time.time() + 5)
    changed = ctx.writer.put_ml_bundle_dir(name, pushed)
    check("after a change, a push moves the changed file only", [f["key"] for f in changed] == ["config/config.yaml"],
          [f["key"] for f in changed])
    listed = ctx.native_admin.get("/api/v1/data", project=ctx.project, name="ml/%s/%%" % name).json()
    check("... and the version it replaces is gone", listed.get("total") == 4, listed.get("total"))

    pulled = os.path.join(ctx.work, "bundles", "pull", name)
    os.makedirs(pulled)
    down = ctx.writer.get_ml_bundle_dir(name, pulled, "all")
    expected = {k: v for k, v in tree(pushed).items() if ".cache" not in k}
    check("get_ml_bundle_dir into an empty folder brings the 4 files, byte for byte",
          len(down) == 4 and tree(pulled) == expected, sorted(tree(pulled)))
    check("a second pull moves nothing", ctx.writer.get_ml_bundle_dir(name, pulled, "all") == [])
    model_only = os.path.join(ctx.work, "bundles", "model", name)
    os.makedirs(model_only)
    ctx.reader.get_ml_bundle_dir(name, model_only, "model")
    check("what='model' brings config/ and output/ only (and a reader may pull)",
          sorted(tree(model_only)) == ["config/config.yaml", "output/model_final.pth"], sorted(tree(model_only)))
    check("a reader cannot push", raises(ctx.reader.put_ml_bundle_dir, name, pushed) is not None)

    # An upload link is bound to its file's name and ETag, its user and its expiry.
    token = ctx.writer.get_token()["token"]
    extra = b"<svg>extra</svg>"
    extra_md5 = hashlib.md5(extra).hexdigest()
    links = ctx.requests.post(ctx.base + "/_get_ml_bundle_upload_links", auth=(token, ""), timeout=60, json=[
        {"bundle_name": name, "key": "data/extra.svg", "path": "/x", "md5": extra_md5, "mtime": time.time()}]).json()
    target = links[0]["url"]
    post = lambda fields, body: ctx.requests.post(target["url"], data=fields, files={"file": ("extra.svg", body)},
                                                  timeout=60)
    sig = target["fields"]["signature"]
    r = post(dict(target["fields"], signature=("0" if sig[0] != "0" else "1") + sig[1:]), extra)
    check("an upload link with a tampered signature: 403", r.status_code == 403, r.text[:200])
    r = post(dict(target["fields"], key="ml/%s/data/other.svg" % name), extra)
    check("... used for another file: 403", r.status_code == 403, r.text[:200])
    r = post(target["fields"], b"<svg>not the bytes announced</svg>")
    check("... with other bytes than its md5: 400", r.status_code == 400 and "ETag" in r.text, r.text[:200])
    r = ctx.requests.post(ctx.base + "/_get_ml_bundle_upload_links", auth=(token, ""), timeout=60, json=[
        {"bundle_name": name, "key": "data/x.svg", "path": "/x", "md5": extra_md5 + "/../../other", "mtime": 1}])
    check("an md5 that is not an ETag: 400", r.status_code == 400, r.text[:200])
    r = post(target["fields"], extra)
    check("... as given: 204", r.status_code == 204, r.text[:200])
    listed = ctx.native_admin.get("/api/v1/data", project=ctx.project, name="ml/%s/%%" % name).json()
    check("only the announced bytes were stored", listed.get("total") == 5, listed.get("total"))
    r = ctx.requests.post(ctx.base + "/_get_ml_bundle_upload_links", auth=(token, ""), timeout=60, json=[
        {"bundle_name": "b%d" % i, "key": "data/x.svg", "path": "/x", "md5": extra_md5, "mtime": 1}
        for i in range(17)])
    check("links for 17 bundles in one request: 413 (each costs a listing)", r.status_code == 413, r.text[:200])


def check_tuboids(ctx):
    series_dir = glob.glob(os.path.join(ctx.data, "tiled_tuboids", "*"))[0]
    dirs = sorted(glob.glob(os.path.join(series_dir, "*")))
    device, start, end, version = os.path.basename(series_dir).split(".")
    series_info = {"algo_name": "sticky-pi-siamese-insect-matcher", "algo_version": version, "device": device,
                   "start_datetime": start, "end_datetime": end, "n_images": 50, "n_tuboids": len(dirs)}
    stored = ctx.writer.put_tiled_tuboids(dirs, series_info)
    rows = [r for group in stored for r in group]
    check("put_tiled_tuboids stores the %d tuboids of the shared series" % len(dirs),
          len(rows) == len(dirs) and sorted(r["tuboid_id"] for r in rows) == [os.path.basename(d) for d in dirs] and
          all(r["device_series"] == device for r in rows), rows[:1])
    first_shots = open(os.path.join(dirs[0], "metadata.txt")).read().strip().splitlines()
    row0 = [r for r in rows if r["tuboid_id"] == os.path.basename(dirs[0])]
    check("a tuboid's shots give its n_shots, start and end",
          row0 and row0[0]["n_shots"] == len(first_shots) and
          row0[0]["start_datetime"] == when(first_shots[0].split(",")[0].split(".")[1]), row0)
    writer = quick_refusals(ctx.writer)
    check("the same tuboid again: refused", raises(writer.put_tiled_tuboids, dirs[:1], series_info) is not None)
    check("a read-only user cannot put tuboids",
          raises(ctx.reader.put_tiled_tuboids, dirs[:1], dict(series_info, algo_version="1606980657-x")) is not None)

    q = lambda s, e, what="metadata": ctx.writer.get_tiled_tuboid_series(
        [{"device": device[:4] + "%", "start_datetime": s, "end_datetime": e}], what=what)
    inside = q(when("2020-07-08_00-00-00"), when("2020-07-10_00-00-00"))
    check("get_tiled_tuboid_series: a range holding the series finds its tuboids", len(inside) == len(dirs),
          len(inside))
    check("... a range cutting the series finds none (series wholly inside, as upstream)",
          q(when("2020-07-08_00-00-00"), when("2020-07-09_00-00-00")) == [])
    data = q(when("2020-07-08_00-00-00"), when("2020-07-10_00-00-00"), "data")
    mine = [r for r in data if r["tuboid_id"] == os.path.basename(dirs[0])]
    if mine:
        r = ctx.requests.get(mine[0]["tuboid"], timeout=60)
        check("what=data: the tiles image through its signed link, byte for byte",
              r.status_code == 200 and r.content == open(os.path.join(dirs[0], "tuboid.jpg"), "rb").read(),
              r.status_code)
        r = ctx.requests.get(mine[0]["metadata"], timeout=60)
        check("... and the shots (metadata.txt)",
              r.status_code == 200 and r.text == open(os.path.join(dirs[0], "metadata.txt")).read(), r.text[:100])
        r = ctx.requests.get(mine[0]["context"], timeout=60)
        check("... and the context image", r.status_code == 200 and
              r.content == open(os.path.join(dirs[0], "context.jpg"), "rb").read(), r.status_code)

    labels = [{"tuboid_id": os.path.basename(d), "label": i % 3, "pattern": "^Insecta.*Diptera.*", "type": "Insecta",
               "order": "Diptera", "family": "Drosophilidae" if i % 2 else None, "genus": None, "species": None,
               "algo_name": "insect-tuboid-classifier", "algo_version": "1611000000-abcdef"}
              for i, d in enumerate(dirs[:3])]
    put = ctx.writer.put_itc_labels(labels)
    check("put_itc_labels labels 3 tuboids", len(put) == 3 and all(p["order"] == "Diptera" for p in put), put)
    check("the same label again: refused", raises(writer.put_itc_labels, labels[:1]) is not None)
    got = ctx.writer._get_itc_labels([{"tuboid_id": os.path.basename(d)} for d in dirs])
    check("_get_itc_labels finds them by tuboid name", len(got) == 3, got)
    merged = ctx.writer.get_tiled_tuboid_series_itc_labels(
        [{"device": device, "start_datetime": when("2020-07-08_00-00-00"),
          "end_datetime": when("2020-07-10_00-00-00")}])
    labelled = [m for m in merged if m.get("order_itc") == "Diptera"]  # unlabelled ones hold None or NaN
    check("get_tiled_tuboid_series_itc_labels merges tuboids with their labels",
          len(merged) == len(dirs) and len(labelled) == 3 and
          sorted(m["label_itc"] for m in labelled) == [0, 1, 2], merged[:1])

    native = ctx.native_admin.get("/api/v1/tuboids", device=device).json()
    items = native.get("items", [])
    check("natively, the tuboids with their series and labels",
          native.get("total") == len(dirs) and sum(1 for t in items if t["labels"]) == 3 and
          all(t["series"]["n_tuboids"] == len(dirs) for t in items), native)
    if items:
        one = ctx.native_admin.get("/api/v1/tuboids/%d" % items[0]["id"]).json()
        check("a tuboid's own answer has its shots", len(one.get("shots", [])) == items[0]["n_shots"], one)
        tiles = ctx.native_admin.get("/api/v1/images/%d" % items[0]["tiles_image_id"]).json()
        check("the tiles are a Vitrine image (4 tiles of 224 px a row)", tiles.get("width") == 896, tiles)
        thumb = ctx.native_admin.get("/api/v1/images/%d/thumbnail" % items[0]["tiles_image_id"])
        check("... viewed like any image", thumb.status_code == 200 and jpeg_size(thumb.content) is not None,
              thumb.status_code)
        ctx.tuboid_images = [items[0]["tiles_image_id"], items[0]["context_image_id"]]
    ctx.tuboid_series = {"device": device, "start_datetime": when("2020-07-08_00-00-00"),
                         "end_datetime": when("2020-07-10_00-00-00")}


def check_roles_and_deletes(ctx):
    target = ctx.annotated
    key = [{"device": target["device"], "datetime": target["datetime"]}]
    check("a writer that is not admin cannot delete images",
          raises(quick_refusals(ctx.writer).delete_images, key) is not None)
    check("... and the image is still there", len(ctx.writer.get_images(key)) == 1)
    manager = quick_refusals(client_for(ctx, "spi_manager", "manager-long-password"))
    deleted = manager.delete_images(key)
    check("Sticky Pi's admin (a manager of the project) deletes it",
          len(deleted) == 1 and deleted[0]["id"] == target["id"], deleted)
    check("it is gone through Sticky Pi", ctx.writer.get_images(key) == [])
    check("... natively", ctx.native_admin.get("/api/v1/images/%d" % target["id"]).status_code == 404)
    check("its annotations went with it", ctx.writer.get_uid_annotations(key) == [] and
          ctx.native_admin.get("/api/v1/annotation-runs", device="0a5bb6f4").json().get("total") == 0)
    if getattr(ctx, "tuboid_series", None):
        check("a writer cannot delete tuboids",
              raises(quick_refusals(ctx.writer).delete_tiled_tuboids, [ctx.tuboid_series]) is not None)
        gone = manager.delete_tiled_tuboids([ctx.tuboid_series])
        check("Sticky Pi's admin deletes the tuboid series", len(gone) == 1, gone)
        check("... its tuboids are gone", ctx.writer.get_tiled_tuboid_series([ctx.tuboid_series]) == [] and
              ctx.native_admin.get("/api/v1/tuboids").json().get("total") == 0)
        check("... with their images", all(ctx.native_admin.get("/api/v1/images/%d" % i).status_code == 404
                                           for i in getattr(ctx, "tuboid_images", [0])))
    refused = raises(quick_refusals(ctx.writer).delete_users, [{"username": "spi_reader"}])
    check("a writer cannot delete users", refused is not None)
    check("nor can a manager: accounts take a Vitrine administrator",
          raises(manager.delete_users, [{"username": "spi_reader"}]) is not None)
    gone = ctx.admin.delete_users([{"username": "spi_reader"}])
    check("the admin deletes (disables) a user", [u["username"] for u in gone] == ["spi_reader"], gone)
    r = ctx.requests.post(ctx.base + "/get_token", auth=("spi_reader", "reader-long-password"), timeout=30)
    check("a deleted user gets no token", r.status_code == 401, r.status_code)
    check("a deleted user's links open nothing", ctx.requests.get(ctx.reader_link, timeout=30).status_code == 403)
    everyone = ctx.admin.delete_users([{"username": "%"}])
    check("delete_users '%' reaches the project's members only, never the caller or an administrator",
          sorted(u["username"] for u in everyone) == ["spi_manager", "spi_writer"], everyone)
    r = ctx.requests.post(ctx.base + "/get_token", auth=("admin", ctx.admin_password), timeout=30)
    check("... so the administrator still signs in", r.status_code == 200, r.status_code)


SECTIONS = [check_tokens_and_users, check_projects, check_project_series, check_put_images, check_metadata, check_links, check_series,
            check_uid_annotations, check_images_to_annotate, check_ml_bundles, check_tuboids, check_roles_and_deletes]


def run_section(name, section, *args):
    """A client call that raises fails its section; the next sections still run."""
    try:
        section(*args)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as e:
        traceback.print_exc()
        check(name + " ran to its end", False, "%s: %s" % (type(e).__name__, e))


def load_client(client_dir):
    """The client's modules, or the reason they cannot be used."""
    if not os.path.isdir(os.path.join(client_dir, "sticky-pi-api", "sticky_pi_api")):
        return None, "no Sticky Pi client at %s" % client_dir
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
    sys.path[:0] = [os.path.join(client_dir, "sticky-pi-api"), os.path.join(client_dir, "shims")]
    try:
        import requests
        from sticky_pi_api.client import RemoteClient
        from sticky_pi_api.image_parser import ImageParser
    except ImportError as e:
        return None, "the Sticky Pi client cannot be imported (%s)" % e
    return types.SimpleNamespace(requests=requests, RemoteClient=RemoteClient, ImageParser=ImageParser), None


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: client_test.py VITRINE WORK_DIR CLIENT_DIR DATA_DIR")
    binary, work, client_dir, data_dir = sys.argv[1:5]
    ctx, reason = load_client(os.path.abspath(client_dir))
    files = sorted(glob.glob(os.path.join(data_dir, "raw_images", "**", "*.jpg"), recursive=True))
    if ctx is not None and len(files) < 11:
        ctx, reason = None, "the Sticky Pi photos are missing from %s" % data_dir
    if ctx is None:
        if os.environ.get("VITRINE_REQUIRE_COMPAT_CLIENTS") == "1":
            print("FAIL " + reason + " (VITRINE_REQUIRE_COMPAT_CLIENTS=1)")
            sys.exit(1)
        print("NOT RUN: " + reason)
        sys.exit(0)
    logging.basicConfig(level=logging.WARNING)
    work = os.path.abspath(work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    data = os.path.join(work, "data")
    proc, port = start_server(binary, data)
    fired = threading.Event()
    watchdog = threading.Timer(400, lambda: (fired.set(), proc.kill()))
    watchdog.start()
    try:
        ctx.port, ctx.work, ctx.data = port, work, os.path.abspath(data_dir)
        ctx.base = "http://127.0.0.1:%d" % port
        # One photo is kept out of the shared set: what the read-only user tries to upload.
        ctx.files = [f for f in files if not f.endswith("512858f4.2022-05-17_18-34-50.jpg")]
        ctx.spare = [f for f in files if f.endswith("512858f4.2022-05-17_18-34-50.jpg")][0]
        with open(os.path.join(data, "admin-password")) as f:
            password = f.read().strip()
        token = ctx.requests.post(ctx.base + "/api/v1/auth/token", json={"username": "admin", "password": password},
                                  timeout=60).json()["token"]
        ctx.native_admin = Native(ctx.requests, ctx.base, token)
        ctx.admin_password = password
        ctx.admin = ctx.RemoteClient(tempfile.mkdtemp(prefix="spi-admin-", dir=work), "127.0.0.1", "admin", password,
                                     protocol="http", port=port, n_threads=1)
        for section in SECTIONS:
            run_section(section.__name__, section, ctx)
    finally:
        watchdog.cancel()
        proc.terminate()
        proc.wait(timeout=30)
    check("everything ran within the watchdog's 400 s", not fired.is_set())
    failed = sum(1 for _, ok in results if not ok)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
