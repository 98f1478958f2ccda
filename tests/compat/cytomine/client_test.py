#!/usr/bin/env python3
"""Cytomine's official, unmodified Python client against a real `vitrine serve` on loopback.

Every call goes through the client as its users write it (Cytomine(...), Project(...).save(),
AnnotationCollection(...).fetch(), ...) and its answers are cross-checked with Vitrine's own
/api/v1, which also does the setup (users, keys, uploads) the Cytomine protocol leaves to PIMS.
Covers: connection and current user, projects, images (download, thumbnails), users (online,
members), ontologies, terms and their relations, annotations with Cytomine's bottom-left origin
(y' = height - y) both ways, annotation terms, bulk saves in concurrent chunks, every listing filter
and show* group, properties on projects, images and annotations, non-members, and signatures
(tampered path, method and date, stale date, unknown key).

Usage: client_test.py VITRINE WORK_DIR CLIENT_DIR   (CLIENT_DIR: a cytomine-python-client tree)
Prints 'N passed, M failed'; exits non-zero on any failure. Without CLIENT_DIR it prints 'NOT RUN'
and exits 0, unless VITRINE_REQUIRE_COMPAT_CLIENTS=1.
"""
import base64
import hashlib
import hmac
import http.client
import json
import logging
import os
import re
import shutil
import sys
import threading
import time
import traceback
import types

import cv2
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from live_server import start_server  # noqa: E402

results = []


def check(name, ok, detail=""):
    results.append((name, bool(ok)))
    print(("PASS " if ok else "FAIL ") + name + (": " + str(detail) if detail and not ok else ""), flush=True)


def attr(obj, name):
    """The attribute of a fetched model, or None when the fetch failed (False)."""
    return getattr(obj, name, None) if obj else None


def ids(collection):
    return {m.id for m in collection} if collection else set()


def attempt(call, *args, **kwargs):
    """The call's result, or False where the client raises (downloads raise DumpError on refusal)."""
    try:
        return call(*args, **kwargs)
    except Exception as e:
        print("  (%s: %s)" % (type(e).__name__, e))
        return False


def close(got, want):
    try:
        return len(got) == len(want) and all(abs(float(g) - w) <= 1e-6 for g, w in zip(got, want))
    except (TypeError, ValueError):
        return False


# ---- geometry: compared as numbers, not text ---------------------------------------------------

def box(x0, y0, x1, y1):
    return "POLYGON ((%g %g, %g %g, %g %g, %g %g, %g %g))" % (x0, y0, x1, y0, x1, y1, x0, y1, x0, y0)


def shape(wkt):
    """Each ring's set of vertices, whatever the start vertex, direction or number format."""
    if not isinstance(wkt, str):
        return None
    rings = re.findall(r"\(([^()]+)\)", wkt)
    return tuple(sorted(tuple(sorted({tuple(float(v) for v in p.split()) for p in r.split(",")})) for r in rings))


def flipped(key, height):
    """Cytomine (origin bottom-left, y up) <-> Vitrine (origin top-left, y down)."""
    return tuple(sorted(tuple(sorted((x, height - y) for x, y in ring)) for ring in key)) if key else None


def rectangle_gis(wkt):
    """(area, perimeter, cx, cy) of an axis-aligned rectangle."""
    (ring,) = shape(wkt)
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    w, h = max(xs) - min(xs), max(ys) - min(ys)
    return w * h, 2 * (w + h), min(xs) + w / 2, min(ys) + h / 2


# ---- Vitrine's native API and the server --------------------------------------------------------

class Api:
    def __init__(self, port, token=None):
        self.port, self.token = port, token

    def call(self, method, path, body=None, raw=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Authorization": "Bearer " + self.token} if self.token else {}
        if body is not None:
            raw = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            conn.request(method, path, body=raw, headers=headers)
            r = conn.getresponse()
            payload = r.read()
            if r.getheader("content-type", "").startswith("application/json"):
                return r.status, json.loads(payload)
            return r.status, payload
        finally:
            conn.close()

    def ok(self, method, path, body=None, raw=None, expect=(200, 201)):
        status, answer = self.call(method, path, body, raw)
        assert status in expect, (method, path, status, answer)
        return answer


def token_for(port, username, password):
    return Api(port).ok("POST", "/api/v1/auth/token", {"username": username, "password": password})["token"]


def make_user(ctx, name, signs_in=True):
    """A user with an API key pair. One that does not sign in is made its keys by the admin, so that
    it has never authenticated (the 'online' listing must leave it out)."""
    password = name + "-a-long-password"
    user = ctx.admin.ok("POST", "/api/v1/users", {"username": name, "password": password, "name": name.title(),
                                                  "email": name + "@example.org", "admin": False})
    api = Api(ctx.port, token_for(ctx.port, name, password)) if signs_in else None
    keys = (api or ctx.admin).ok("POST", "/api/v1/users/%s/keys" % ("me" if signs_in else user["id"]))
    return types.SimpleNamespace(name=name, id=user["id"], api=api, public=keys["public_key"],
                                 private=keys["private_key"])


def encoded(ext, width, height):
    """Non-square pixels, so that a transposed or flipped answer cannot pass."""
    y, x = np.mgrid[0:height, 0:width]
    rgb = np.dstack([x * 255 // width, y * 255 // height, (x + y) % 256]).astype(np.uint8)
    ok, data = cv2.imencode(ext, rgb)
    assert ok
    return data.tobytes()


# ---- signatures, written from the protocol (docs/api.md) ----------------------------------------

def http_date(t):
    return time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(t))


def sign(private_key, method, content_type, date, target=None):
    """Clients up to 3.1 sign the request-target too; 4.x stop after the date."""
    text = "%s\n\n%s\n%s" % (method, content_type, date) + ("" if target is None else "\n" + target)
    return base64.b64encode(hmac.new(private_key.encode(), text.encode(), hashlib.sha1).digest()).decode()


# ---- the checks ---------------------------------------------------------------------------------

def check_connection(ctx):
    ping = ctx.requests.get(ctx.base + "/server/ping")
    check("/server/ping answers 200 without credentials", ping.status_code == 200)
    # The client is a singleton: each constructor call replaces the connection.
    ctx.Cytomine(host=ctx.host, public_key=ctx.alice.public, private_key="not-" + ctx.alice.private,
                 verbose=logging.CRITICAL)
    check("a wrong private key connects with no current user", not ctx.Cytomine.get_instance().current_user)
    client = ctx.Cytomine.connect(ctx.host, ctx.alice.public, ctx.alice.private, logging.ERROR)
    check("Cytomine.connect sets current_user to the key's owner",
          attr(client.current_user, "username") == "alice" and attr(client.current_user, "id") == ctx.alice.id)
    me = ctx.m.CurrentUser().fetch()
    check("CurrentUser().fetch(): username and the native user id",
          attr(me, "username") == "alice" and attr(me, "id") == ctx.alice.id, vars(me) if me else me)


def check_ontology(ctx):
    m = ctx.m
    ontology = m.Ontology("o").save()
    ctx.ontology = attr(ontology, "id")
    check("Ontology.save gives an id", ctx.ontology)
    check("Ontology().fetch(id).name", attr(m.Ontology().fetch(ctx.ontology), "name") == "o")
    terms = [m.Term(name, ctx.ontology, color).save() for name, color in
             [("t1", "#FF0000"), ("t2", "#00FF00"), ("t3", "#0000FF")]]
    ctx.t1, ctx.t2, ctx.t3 = (attr(t, "id") for t in terms)
    check("Term.save gives ids", all([ctx.t1, ctx.t2, ctx.t3]))
    listed = m.TermCollection().fetch_with_filter("ontology", ctx.ontology)
    check("TermCollection filtered by ontology has its terms", ids(listed) == {ctx.t1, ctx.t2, ctx.t3}, ids(listed))
    t1 = m.Term().fetch(ctx.t1)
    check("Term().fetch: name, colour, ontology", attr(t1, "name") == "t1" and
          str(attr(t1, "color")).upper() == "#FF0000" and attr(t1, "ontology") == ctx.ontology)
    t1.name = "t1-renamed"
    check("Term.update renames", t1.update() and attr(m.Term().fetch(ctx.t1), "name") == "t1-renamed")
    native = ctx.alice.api.ok("GET", "/api/v1/ontologies/%d" % ctx.ontology)
    check("the native ontology shows the renamed term", "t1-renamed" in [t["name"] for t in native["terms"]])

    relation = m.RelationTerm(ctx.t1, ctx.t3).save()
    check("RelationTerm(parent, child).save", relation)
    check("the child term's parent is set", attr(m.Term().fetch(ctx.t3), "parent") == ctx.t1)
    check("RelationTerm().fetch(parent, child) finds it", m.RelationTerm().fetch(ctx.t1, ctx.t3))
    check("RelationTerm.delete", relation and relation.delete())
    child = m.Term().fetch(ctx.t3)
    check("the child term has no parent any more", child and attr(child, "parent") is None)
    check("RelationTerm().fetch of a deleted relation is False", m.RelationTerm().fetch(ctx.t1, ctx.t3) is False)


def check_projects(ctx):
    m = ctx.m
    main = m.Project("main").save()
    ctx.main = attr(main, "id")
    check("Project.save gives an id", ctx.main)
    check("Project().fetch(id).name", attr(m.Project().fetch(ctx.main), "name") == "main")
    main.name = "main-renamed"
    check("Project.update renames", main.update() and attr(m.Project().fetch(ctx.main), "name") == "main-renamed")
    check("the native project has the new name",
          ctx.alice.api.ok("GET", "/api/v1/projects/%d" % ctx.main)["name"] == "main-renamed")
    main.ontology = ctx.ontology
    check("Project.update attaches an ontology",
          main.update() and attr(m.Project().fetch(ctx.main), "ontology") == ctx.ontology)
    check("the native project uses that ontology",
          ctx.alice.api.ok("GET", "/api/v1/projects/%d/ontology" % ctx.main).get("ontology_id") == ctx.ontology)
    ctx.filters = attr(m.Project("filters", id_ontology=ctx.ontology).save(), "id")
    check("Project(name, id_ontology=...).save", attr(m.Project().fetch(ctx.filters), "ontology") == ctx.ontology)
    for project, user, role in [(ctx.main, ctx.bob, "contributor"), (ctx.filters, ctx.bob, "contributor"),
                                (ctx.main, ctx.dave, "viewer")]:
        ctx.alice.api.ok("PUT", "/api/v1/projects/%d/members/%d" % (project, user.id), {"role": role})

    check("ProjectCollection().fetch() lists them", {ctx.main, ctx.filters} <= ids(m.ProjectCollection().fetch()))
    by_ontology = m.ProjectCollection().fetch_with_filter("ontology", ctx.ontology)
    check("ProjectCollection filtered by ontology", ids(by_ontology) == {ctx.main, ctx.filters}, ids(by_ontology))
    by_user = m.ProjectCollection().fetch_with_filter("user", ctx.alice.id)
    check("ProjectCollection filtered by user", {ctx.main, ctx.filters} <= ids(by_user), ids(by_user))
    terms = m.TermCollection().fetch_with_filter("project", ctx.main)
    check("TermCollection filtered by project: its ontology's terms",
          ids(terms) == {ctx.t1, ctx.t2, ctx.t3}, ids(terms))

    doomed = m.Project("doomed").save()
    check("Project.delete", doomed and doomed.delete())
    if doomed:
        check("a deleted project fetches as False", m.Project().fetch(doomed.id) is False)
        check("... and is gone natively", ctx.alice.api.call("GET", "/api/v1/projects/%d" % doomed.id)[0] == 404)


def check_images(ctx):
    m = ctx.m
    ctx.files = {"slide-640x480.jpg": encoded(".jpg", 640, 480), "small-300x200.png": encoded(".png", 300, 200)}
    ctx.images = {}  # (project, filename) -> id
    for project in (ctx.main, ctx.filters):
        for name, data in ctx.files.items():
            image = ctx.alice.api.ok("POST", "/api/v1/projects/%d/images?filename=%s" % (project, name), raw=data)
            ctx.images[project, name] = image["id"]
    ctx.big, ctx.small = ctx.images[ctx.main, "slide-640x480.jpg"], ctx.images[ctx.main, "small-300x200.png"]

    listed = m.ImageInstanceCollection().fetch_with_filter("project", ctx.main)
    check("ImageInstanceCollection filtered by project", ids(listed) == {ctx.big, ctx.small}, ids(listed))
    out = os.path.join(ctx.work, "downloads")
    os.makedirs(out)
    for name, (width, height) in [("slide-640x480.jpg", (640, 480)), ("small-300x200.png", (300, 200))]:
        image = m.ImageInstance().fetch(ctx.images[ctx.main, name])
        check("ImageInstance().fetch %s: width, height, filenames, project" % name,
              (attr(image, "width"), attr(image, "height"), attr(image, "originalFilename"),
               attr(image, "instanceFilename"), attr(image, "project")) == (width, height, name, name, ctx.main),
              vars(image) if image else image)
        if not image:
            continue
        target = os.path.join(out, str(image.originalFilename))
        check("ImageInstance.download writes the uploaded bytes",
              attempt(image.download, dest_pattern=os.path.join(out, "{originalFilename}")) and
              os.path.isfile(target) and open(target, "rb").read() == ctx.files[name])
        for ext, magic in [("jpg", b"\xff\xd8\xff"), ("png", b"\x89PNG")]:
            dumped = attempt(image.dump, dest_pattern=os.path.join(out, "{id}." + ext), max_size=128)
            data = open(image.filename, "rb").read() if dumped else b""
            pixels = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
            got = pixels.shape[:2] if pixels is not None else None
            short = 128 * min(width, height) / max(width, height)
            check("ImageInstance.dump %s as %s: longest side 128, aspect kept" % (name, ext),
                  data.startswith(magic) and got and max(got) == 128 and abs(min(got) - short) <= 1 and
                  (got[1] > got[0]) == (width > height), got)
        abstract = m.AbstractImage().fetch(attr(image, "baseImage") or image.id)
        check("AbstractImage().fetch has the same size",
              (attr(abstract, "width"), attr(abstract, "height")) == (width, height))


def check_uploads(ctx):
    """upload_image as a Cytomine user calls it: into the user's one storage and a project; the image
    lands in Vitrine's store like any other (same bytes, same listing, properties kept)."""
    m, cytomine = ctx.m, ctx.Cytomine.get_instance()
    storages = m.StorageCollection().fetch()
    check("StorageCollection: one storage, with the user's id", ids(storages) == {ctx.alice.id}, ids(storages))
    path = os.path.join(ctx.work, "uploaded-500x300.png")
    data = encoded(".png", 500, 300)
    with open(path, "wb") as f:
        f.write(data)
    uploaded = cytomine.upload_image(path, ctx.alice.id, id_project=ctx.main, properties={"stain": "HE"})
    instances = uploaded.images[0].get("imageInstances") if uploaded and uploaded.images else None
    instance = instances[0] if instances else None
    check("upload_image answers the UploadedFile with its image instance",
          attr(uploaded, "originalFilename") == "uploaded-500x300.png" and attr(instance, "project") == ctx.main,
          vars(uploaded) if uploaded else uploaded)
    if not instance:
        return
    native = ctx.alice.api.ok("GET", "/api/v1/images/%d" % instance.id)
    check("the uploaded image is a Vitrine image: size, name, properties",
          (native["width"], native["height"], native["filename"], native["properties"].get("stain")) ==
          (500, 300, "uploaded-500x300.png", "HE"), native)
    status, body = ctx.alice.api.call("GET", "/api/v1/images/%d/file" % instance.id)
    check("its bytes are the file's", status == 200 and body == data)
    listed = m.ImageInstanceCollection().fetch_with_filter("project", ctx.main)
    check("it is in the project's image instances", instance.id in ids(listed))
    check("an upload to another user's storage is refused",
          cytomine.upload_image(path, ctx.alice.id + 1000, id_project=ctx.main) is False)
    check("an upload without a project is refused", cytomine.upload_image(path, ctx.alice.id) is False)
    # Leave the project's image listing as the later sections expect it.
    ctx.alice.api.call("DELETE", "/api/v1/images/%d" % instance.id)


def check_users(ctx):
    m = ctx.m
    everyone = m.UserCollection().fetch()
    check("UserCollection().fetch() has the current user",
          "alice" in [u.username for u in everyone or [] if u.id == ctx.alice.id])
    # Dave shares a project with Alice, so she may see him, but he has never signed in.
    online = ids(m.UserCollection(online=True).fetch())
    check("UserCollection(online=True): the current user, not one who never signed in",
          ctx.alice.id in online and ctx.dave.id not in online and ctx.carol.id not in online, online)
    members = ids(m.UserCollection().fetch_with_filter("project", ctx.main))
    check("UserCollection filtered by project: its members only",
          {ctx.alice.id, ctx.bob.id, ctx.dave.id} <= members and ctx.carol.id not in members, members)


def check_included(ctx):
    """AnnotationCollection(included=True, annotation=A): the image's annotations lying wholly in A
    (A itself left out), in Cytomine's coordinates on an image of its own."""
    m, api = ctx.m, ctx.alice.api
    image = api.ok("POST", "/api/v1/projects/%d/images?filename=included.png" % ctx.main,
                   raw=encoded(".png", 400, 300))["id"]
    container = attr(m.Annotation(location=box(100, 100, 300, 250), id_image=image).save(), "id")
    inside = {attr(m.Annotation(location=wkt, id_image=image).save(), "id")
              for wkt in (box(120, 120, 150, 150), box(250, 200, 300, 250), "POINT (200 180)")}
    across = attr(m.Annotation(location=box(280, 90, 350, 140), id_image=image).save(), "id")
    outside = attr(m.Annotation(location="POINT (20 20)", id_image=image).save(), "id")
    found = m.AnnotationCollection(image=image, included=True, annotation=container, showWKT=True).fetch()
    check("included: the annotations wholly in another, edges counting, not itself nor those across its edge",
          ids(found) == inside and across and outside, (ids(found), inside))
    check("included rows carry their location in Cytomine's coordinates",
          found and all(shape(a.location) for a in found))
    api.call("DELETE", "/api/v1/images/%d" % image)


def check_annotations(ctx):
    m, api, height = ctx.m, ctx.alice.api, 480
    location = box(10, 20, 110, 70)
    saved = m.Annotation(location=location, id_image=ctx.big, id_terms=[ctx.t1]).save()
    annotation = attr(saved, "id")
    check("Annotation.save gives an id", annotation)
    got = m.Annotation().fetch(annotation)
    check("Annotation().fetch: the same geometry", shape(attr(got, "location")) == shape(location),
          attr(got, "location"))
    check("... its term, image, project and author",
          [attr(got, k) for k in ("term", "image", "project", "user")] == [[ctx.t1], ctx.big, ctx.main, ctx.alice.id])
    native = api.ok("GET", "/api/v1/annotations/%d" % annotation)
    check("natively its y is height - y", shape(native["wkt"]) == flipped(shape(location), height), native["wkt"])
    check("natively it carries the term", native["terms"] == [ctx.t1])

    native_wkt = "POLYGON((5 5, 50 5, 50 30, 5 30, 5 5))"
    reverse = api.ok("POST", "/api/v1/annotations", [{"image_id": ctx.big, "wkt": native_wkt}])["ids"][0]
    check("a native annotation reads through Cytomine with y' = height - y",
          shape(attr(m.Annotation().fetch(reverse), "location")) == flipped(shape(native_wkt), height))

    moved = box(20, 30, 220, 130)
    got.location = moved
    check("Annotation.update", got.update())
    check("... the new geometry through Cytomine",
          shape(attr(m.Annotation().fetch(annotation), "location")) == shape(moved))
    check("... and natively", shape(api.ok("GET", "/api/v1/annotations/%d" % annotation)["wkt"]) ==
          flipped(shape(moved), height))

    check("AnnotationTerm(annotation, term).save", m.AnnotationTerm(annotation, ctx.t2).save())
    check("... the annotation carries both terms",
          sorted(attr(m.Annotation().fetch(annotation), "term") or []) == sorted([ctx.t1, ctx.t2]))
    by_annotation = ids(m.TermCollection().fetch_with_filter("annotation", annotation))
    check("TermCollection filtered by annotation", by_annotation == {ctx.t1, ctx.t2}, by_annotation)
    link = m.AnnotationTerm().fetch(annotation, ctx.t2)
    check("AnnotationTerm().fetch(annotation, term)", link)
    check("AnnotationTerm.delete", link and link.delete())
    check("... the term is off the annotation", attr(m.Annotation().fetch(annotation), "term") == [ctx.t1])
    check("AnnotationTerm().fetch of a removed term is False", m.AnnotationTerm().fetch(annotation, ctx.t2) is False)

    check("Annotation.delete", got.delete() and m.Annotation().delete(id=reverse))
    check("a deleted annotation fetches as False", m.Annotation().fetch(annotation) is False)
    check("... and is gone natively", api.call("GET", "/api/v1/annotations/%d" % annotation)[0] == 404)


def bulk_layout(ctx):
    """45 annotations (three chunks of 15, then the client's empty fourth): 30 on the big image in a
    6x5 grid, 15 on the small one; even ones carry t1, odd ones t2. Cytomine coordinates."""
    big, small = ctx.images[ctx.filters, "slide-640x480.jpg"], ctx.images[ctx.filters, "small-300x200.png"]
    layout = []
    for i in range(45):
        if i < 30:
            x, y, image = 200 + 60 * (i % 6), 100 + 60 * (i // 6), big
        else:
            x, y, image = 10 + 55 * ((i - 30) % 5), 10 + 55 * ((i - 30) // 5), small
        layout.append((image, box(x, y, x + 20, y + 20), [ctx.t1 if i % 2 == 0 else ctx.t2]))
    return big, small, layout


def check_bulk_and_filters(ctx):
    m = ctx.m
    big, small, layout = bulk_layout(ctx)
    heights = {big: 480, small: 200}
    collection = m.AnnotationCollection()
    for image, location, terms in layout:
        collection.append(m.Annotation(location=location, id_image=image, id_project=ctx.filters, id_terms=terms))
    try:
        saved = collection.save()
    except Exception as e:  # CollectionPartialUploadException: some chunk was not answered 200
        saved = "%s: %s" % (type(e).__name__, e)
    check("AnnotationCollection.save of 45 in concurrent chunks (the last one empty)", saved is True, saved)
    # Bob's three, natively, well away from the bbox used below (Vitrine y = 480 - Cytomine y).
    bob = [{"image_id": big, "wkt": box(10 + 50 * k, 50, 40 + 50 * k, 80), "terms": [ctx.t1]} for k in range(3)]
    ctx.bob.api.ok("POST", "/api/v1/annotations", bob)

    native = ctx.alice.api.ok("GET", "/api/v1/annotations?project=%d&limit=1000" % ctx.filters)["items"]
    check("natively the project has 48 annotations", len(native) == 48, len(native))
    everything = m.AnnotationCollection(project=ctx.filters, showWKT=True, showTerm=True).fetch()
    expected = sorted([shape(loc) for _, loc, _ in layout] +
                      [flipped(shape(b["wkt"]), 480) for b in bob])
    check("the project listing has all 48 with their geometries",
          sorted(shape(a.location) or () for a in everything or []) == expected, len(everything or []))
    by_id = {n["id"]: n for n in native}
    check("every listed geometry is the native one flipped, every term list the native one",
          everything and all(a.id in by_id and shape(a.location) == flipped(shape(by_id[a.id]["wkt"]),
                                                                            heights[by_id[a.id]["image_id"]])
                             and sorted(a.term or []) == sorted(by_id[a.id]["terms"]) for a in everything))

    def expect(label, predicate, **params):
        got = ids(m.AnnotationCollection(**params).fetch())
        want = {n["id"] for n in native if predicate(n)}
        check("AnnotationCollection(%s): %d annotations" % (label, len(want)), got == want,
              "got %d, missing %s, extra %s" % (len(got), sorted(want - got)[:5], sorted(got - want)[:5]))

    alice, bob_id, t1, t2 = ctx.alice.id, ctx.bob.id, ctx.t1, ctx.t2
    expect("project", lambda n: True, project=ctx.filters)
    expect("image", lambda n: n["image_id"] == big, image=big)
    expect("images", lambda n: True, images=[big, small])
    expect("project, user", lambda n: n["created_by"] == alice, project=ctx.filters, user=alice)
    expect("project, user (the other)", lambda n: n["created_by"] == bob_id, project=ctx.filters, user=bob_id)
    expect("project, users", lambda n: True, project=ctx.filters, users=[alice, bob_id])
    expect("project, term", lambda n: t1 in n["terms"], project=ctx.filters, term=t1)
    expect("project, terms", lambda n: {t1, t2} & set(n["terms"]), project=ctx.filters, terms=[t1, t2])
    expect("image, user, term", lambda n: n["image_id"] == big and n["created_by"] == bob_id and t1 in n["terms"],
           image=big, user=bob_id, term=t1)

    plain = m.AnnotationCollection(project=ctx.filters).fetch()
    check("without showWKT rows have no location", plain and all(a.location is None for a in plain))
    check("showMeta (sent by default): image, project and user of each row",
          plain and all((a.image, a.project, getattr(a, "user", None)) ==
                        (by_id[a.id]["image_id"], ctx.filters, by_id[a.id]["created_by"]) for a in plain))
    gis = m.AnnotationCollection(image=big, showWKT=True, showGIS=True).fetch()
    check("showGIS: area, perimeter and centroid (x, y up) of each row",
          gis and all(shape(a.location) and close((a.area, a.perimeter, getattr(a, "x", None), getattr(a, "y", None)),
                                                  rectangle_gis(a.location)) for a in gis),
          [(a.area, a.perimeter, getattr(a, "x", None), getattr(a, "y", None)) for a in (gis or [])][:3])
    # Rows 0 and 1, columns 0 and 1 of the grid; unflipped, the box would meet rows 3 and 4 instead.
    boxed = m.AnnotationCollection(image=big, bbox="195,95,285,185", showWKT=True).fetch()
    corners = sorted((min(p[0] for p in ring), min(p[1] for p in ring))
                     for ring in (shape(a.location)[0] for a in boxed or [] if shape(a.location)))
    check("bbox in Cytomine coordinates selects the annotations it meets",
          corners == [(200, 100), (200, 160), (260, 100), (260, 160)], corners)
    reviewed = m.AnnotationCollection(project=ctx.filters, reviewed=True).fetch()
    check("reviewed=True is an empty collection (no review workflow)", reviewed is not False and len(reviewed) == 0)
    # Not checked: included=True. Both clients then GET /api/annotation/included.json (the
    # imageinstance filter they add is not in the allowed filters, so it never reaches the path)
    # with image=, annotation= and included=True, which the adapter is not expected to serve.


def check_properties_on(ctx, label, obj, native_path):
    m = ctx.m

    def native():
        return ctx.alice.api.ok("GET", native_path).get("properties") or {}

    listed = m.PropertyCollection(obj).fetch()
    check(label + ": PropertyCollection has the natively set property",
          listed and attr(listed.as_dict().get("origin"), "value") == "native", listed and listed.as_dict())
    saved = m.Property(obj, key="k", value="v").save()
    check(label + ": Property(obj, key, value).save", attr(saved, "id"))
    listed = m.PropertyCollection(obj).fetch()
    check(label + ": PropertyCollection has k=v", listed and attr(listed.as_dict().get("k"), "value") == "v")
    got = m.Property(obj).fetch(key="k")
    check(label + ": Property(obj).fetch(key=k)", attr(got, "value") == "v")
    check(label + ": natively k=v", native().get("k") == "v", native())
    if not got:
        return
    got.value = "v2"
    check(label + ": Property.update", got.update() and attr(m.Property(obj).fetch(key="k"), "value") == "v2")
    check(label + ": natively k=v2", native().get("k") == "v2")
    check(label + ": Property.delete", got.delete())
    check(label + ": a deleted property fetches as False, and is gone natively",
          m.Property(obj).fetch(key="k") is False and "k" not in native())


def check_properties(ctx):
    """Each object gets a property natively first, to be seen through Cytomine."""
    m, api = ctx.m, ctx.alice.api
    api.ok("PATCH", "/api/v1/projects/%d" % ctx.main, {"properties": {"origin": "native"}})
    run_section("properties of a project", check_properties_on, ctx, "project", m.Project().fetch(ctx.main),
                "/api/v1/projects/%d" % ctx.main)
    api.ok("PATCH", "/api/v1/images/%d" % ctx.big, {"properties": {"origin": "native"}})
    run_section("properties of an image", check_properties_on, ctx, "image", m.ImageInstance().fetch(ctx.big),
                "/api/v1/images/%d" % ctx.big)
    ctx.kept = api.ok("POST", "/api/v1/annotations", [{"image_id": ctx.big, "wkt": box(300, 300, 350, 350),
                                                       "properties": {"origin": "native"}}])["ids"][0]
    run_section("properties of an annotation", check_properties_on, ctx, "annotation",
                m.Annotation().fetch(ctx.kept), "/api/v1/annotations/%d" % ctx.kept)


def check_non_member(ctx):
    m = ctx.m
    ctx.Cytomine(host=ctx.host, public_key=ctx.carol.public, private_key=ctx.carol.private, verbose=logging.CRITICAL)
    try:
        check("a non-member is connected as herself",
              attr(ctx.Cytomine.get_instance().current_user, "id") == ctx.carol.id)
        check("a non-member fetches the project as False", m.Project().fetch(ctx.main) is False)
        check("... does not see it listed", ctx.main not in ids(m.ProjectCollection().fetch()))
        check("... fetches its image as False", m.ImageInstance().fetch(ctx.big) is False)
        check("... and its annotation", m.Annotation().fetch(ctx.kept) is False)
        listing = m.AnnotationCollection(project=ctx.main).fetch()
        check("... lists none of its annotations", listing is False or len(listing) == 0)
        stolen = os.path.join(ctx.work, "stolen")
        check("... cannot download its image by id",
              not attempt(m.ImageInstance().populate({"id": ctx.big}).download, stolen) and not os.path.exists(stolen))
    finally:
        ctx.Cytomine.connect(ctx.host, ctx.alice.public, ctx.alice.private, logging.ERROR)


def check_signatures(ctx):
    requests, alice = ctx.requests, ctx.alice
    now = http_date(time.time())

    def status(method, target, date, signature, public=alice.public, content_type=None):
        headers = {"date": date, "authorization": "CYTOMINE %s:%s" % (public, signature)}
        if content_type:
            headers["content-type"] = content_type
        return requests.request(method, ctx.base + target, headers=headers, allow_redirects=False).status_code

    probe = requests.Request("GET", "http://h/api/project.json?max=0&offset=0", headers={"date": now}).prepare()
    ctx.CytomineAuth(alice.public, alice.private, "http://h/api/", "/api/")(probe)
    client_sig = probe.headers["authorization"].split(":", 1)[1]
    forms = {sign(alice.private, "GET", "", now, "/api/project.json?max=0&offset=0"): "with the path",
             sign(alice.private, "GET", "", now): "without the path (4.x)"}
    check("this client signs as documented: %s" % forms.get(client_sig, "neither form"), client_sig in forms)
    answer = requests.get(ctx.base + "/api/user/current.json", headers={"date": now},
                          auth=ctx.CytomineAuth(alice.public, alice.private, ctx.base + "/api/", "/api/"))
    check("a raw request signed by the client's CytomineAuth is accepted", answer.status_code == 200)
    check("no authorization: 401", requests.get(ctx.base + "/api/user/current.json").status_code == 401)
    target = "/api/project.json?max=0&offset=0"
    check("signed with the path: 200", status("GET", target, now, sign(alice.private, "GET", "", now, target)) == 200)
    check("signed without the path: 200",
          status("GET", "/api/user/current.json", now, sign(alice.private, "GET", "", now)) == 200)
    check("a signature for /api/project.json sent to /api/user.json: 401",
          status("GET", "/api/user.json", now, sign(alice.private, "GET", "", now, "/api/project.json")) == 401)
    as_get = sign(alice.private, "GET", "application/json", now)
    check("a GET signature on a DELETE: 401, and the project stays",
          status("DELETE", "/api/project/%d.json" % ctx.main, now, as_get, content_type="application/json") == 401 and
          ctx.alice.api.call("GET", "/api/v1/projects/%d" % ctx.main)[0] == 200)
    earlier = http_date(time.time() - 60)
    check("a signature with another Date header: 401",
          status("GET", "/api/user/current.json", earlier, sign(alice.private, "GET", "", now)) == 401)
    stale = http_date(time.time() - 2 * 3600)
    check("a correctly signed request dated two hours ago: 401",
          status("GET", "/api/user/current.json", stale, sign(alice.private, "GET", "", stale)) == 401 and
          status("GET", "/api/user/current.json", stale,
                 sign(alice.private, "GET", "", stale, "/api/user/current.json")) == 401)
    check("an unknown public key: 401",
          status("GET", "/api/user/current.json", now, sign(alice.private, "GET", "", now), public="nobody") == 401)


def check_deletions(ctx):
    m = ctx.m
    term = m.Term().fetch(ctx.t3)
    check("Term.delete", term and term.delete())
    check("a deleted term fetches as False", m.Term().fetch(ctx.t3) is False)
    scratch = m.Ontology("scratch").save()
    check("Ontology.delete", scratch and scratch.delete())
    if scratch:
        check("a deleted ontology fetches as False", m.Ontology().fetch(scratch.id) is False)
        check("... and is gone natively", ctx.alice.api.call("GET", "/api/v1/ontologies/%d" % scratch.id)[0] == 404)


SECTIONS = [check_connection, check_ontology, check_projects, check_images, check_uploads, check_users,
            check_annotations, check_included, check_bulk_and_filters, check_properties, check_non_member,
            check_signatures, check_deletions]


def run_section(name, section, *args):
    """A client call that raises fails its section; the next sections still run."""
    try:
        section(*args)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as e:  # the client's URLRedirectionException is a BaseException
        traceback.print_exc()
        check(name + " ran to its end", False, "%s: %s" % (type(e).__name__, e))


def load_client(client_dir):
    """The client's modules, or the reason they cannot be used."""
    if not os.path.isdir(os.path.join(client_dir, "cytomine")):
        return None, "no Cytomine client at %s" % client_dir
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
    sys.path.insert(0, client_dir)
    try:
        import requests
        from cytomine import Cytomine
        from cytomine.cytomine import CytomineAuth
        import cytomine.models as models
    except ImportError as e:
        return None, "the Cytomine client at %s cannot be imported (%s)" % (client_dir, e)
    return types.SimpleNamespace(requests=requests, Cytomine=Cytomine, CytomineAuth=CytomineAuth, m=models), None


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: client_test.py VITRINE WORK_DIR CLIENT_DIR")
    binary, work, client_dir = sys.argv[1:4]
    ctx, reason = load_client(os.path.abspath(client_dir))
    if ctx is None:
        if os.environ.get("VITRINE_REQUIRE_COMPAT_CLIENTS") == "1":
            print("FAIL " + reason + " (VITRINE_REQUIRE_COMPAT_CLIENTS=1)")
            sys.exit(1)
        print("NOT RUN: " + reason)
        sys.exit(0)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    data = os.path.join(work, "data")
    proc, port = start_server(binary, data)
    # The client sets no timeouts: a server that stops answering is killed, failing what remains.
    fired = threading.Event()
    watchdog = threading.Timer(150, lambda: (fired.set(), proc.kill()))
    watchdog.start()
    try:
        with open(os.path.join(data, "admin-password")) as f:
            ctx.admin = Api(port, token_for(port, "admin", f.read().strip()))
        ctx.port, ctx.work = port, work
        ctx.host, ctx.base = "127.0.0.1:%d" % port, "http://127.0.0.1:%d" % port
        # Alice runs the client; Bob is a member who works natively; Dave a member who never signs
        # in; Carol a user of no project of theirs.
        ctx.alice, ctx.bob = make_user(ctx, "alice"), make_user(ctx, "bob")
        ctx.dave, ctx.carol = make_user(ctx, "dave", signs_in=False), make_user(ctx, "carol", signs_in=False)
        # Without /server/ping the client retries it for 120 s on every connection: stop at once.
        if ctx.requests.get(ctx.base + "/server/ping").status_code != 200:
            check("/server/ping answers 200 (nothing else can be tested without it)", False)
        else:
            for section in SECTIONS:
                run_section(section.__name__, section, ctx)
    finally:
        watchdog.cancel()
        proc.terminate()
        proc.wait(timeout=30)
    check("everything ran within the watchdog's 150 s", not fired.is_set())
    failed = sum(1 for _, ok in results if not ok)
    print("%d passed, %d failed" % (len(results) - failed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
