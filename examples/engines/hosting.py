"""A hosting platform's provisioning engine, on Provisor's Python engine kit (docs/engines.md).

What it provisions, and where:
- sqldb instances are real PostgreSQL databases on the server HOSTING_DATABASE_URL names (a
  libpq URL of a role that may create databases and roles): per instance a database named by
  its dbName property and an owner role, NOLOGIN (the platform team grants logins), whose
  connection limit is 10 per vCore of the plan; the plan's edition, vCores and storageGB are
  the database's comment, since PostgreSQL has no size quota to set. Read back from the
  server: a database dropped by hand is reported missing, a changed comment as drift.
- Everything else (resellers, customers, users, mailboxes, websites, desktops) is a record in
  the platform's directory, a SQLite file in the engine's state directory; a user's password
  is kept only as a PBKDF2-SHA256 hash, as a directory that authenticates users would.

A customer is answered with a tenantId, a user with an objectId, a database with its name and
owner role (outputs Provisor keeps and sends back); an update or deprovision finds the database
by the name it was answered with, so renaming dbName renames the database.

The state directory is HOSTING_STATE_DIR, else .provisor/engines/LABEL (LABEL from --region or
--site); it holds directory.db and answered.jsonl (the ids answered: a message sent again is not
done twice, even after a restart). The directory also notes, in the same transaction as the
change itself, which message made it: an engine that exits after acting and before answering
(so before answered.jsonl has the id) answers the message sent again as a replay, never with
"already exists". psql (Debian's postgresql-client) runs the SQL.

For tests: HOSTING_EXIT_AFTER_ACTING=ADDRESS makes the engine exit once, right after carrying
out the first message for ADDRESS and before answering it.
"""
import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.environ.get("PROVISOR_ENGINE_KIT") or os.path.join(HERE, "..", "..", "engines", "kit"))
from provisor_engine import Engine, Refuse, Retry  # noqa: E402

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,59}$")


class Directory:
    """The platform's records: one row per resource, attributes without secrets."""

    def __init__(self, path):
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS resource (address TEXT PRIMARY KEY, kind TEXT NOT NULL, attributes TEXT NOT NULL, outputs TEXT NOT NULL)")
        self.db.execute("CREATE TABLE IF NOT EXISTS credential (address TEXT PRIMARY KEY, salt BLOB NOT NULL, hash BLOB NOT NULL)")
        self.db.execute("CREATE TABLE IF NOT EXISTS carried_out (message TEXT PRIMARY KEY, outputs TEXT NOT NULL)")

    def carried_out(self, message):
        """The outputs of the message with this id if it was carried out, else None."""
        row = self.db.execute("SELECT outputs FROM carried_out WHERE message = ?", (message,)).fetchone()
        return None if row is None else json.loads(row[0])

    def change(self, message, outputs, work):
        """Runs `work` (directory writes) and notes `message` as carried out, in one transaction."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            work()
            self.db.execute("INSERT OR REPLACE INTO carried_out (message, outputs) VALUES (?, ?)",
                            (message, json.dumps(outputs or {}, sort_keys=True)))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def get(self, address):
        row = self.db.execute("SELECT kind, attributes, outputs FROM resource WHERE address = ?", (address,)).fetchone()
        return None if row is None else {"kind": row[0], "attributes": json.loads(row[1]), "outputs": json.loads(row[2])}

    def put(self, address, kind, attributes, outputs):
        self.db.execute(
            "INSERT OR REPLACE INTO resource (address, kind, attributes, outputs) VALUES (?, ?, ?, ?)",
            (address, kind, json.dumps(attributes, sort_keys=True), json.dumps(outputs, sort_keys=True)))

    def remove(self, address):
        self.db.execute("DELETE FROM resource WHERE address = ?", (address,))
        self.db.execute("DELETE FROM credential WHERE address = ?", (address,))

    def children(self, address):
        return [row[0] for row in self.db.execute("SELECT address FROM resource WHERE address LIKE ? ESCAPE '\\'", (escape(address) + "/%",))]

    def set_password(self, address, password):
        salt = os.urandom(16)
        digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 200_000)
        self.db.execute("INSERT OR REPLACE INTO credential (address, salt, hash) VALUES (?, ?, ?)", (address, salt, digest))

    def all(self):
        for address, attributes, outputs in self.db.execute("SELECT address, attributes, outputs FROM resource ORDER BY address"):
            yield address, json.loads(attributes), json.loads(outputs)


def address_in(comment):
    """The address a comment written by this engine names, else ""."""
    try:
        value = json.loads(comment)
    except ValueError:
        return ""
    return value.get("address", "") if isinstance(value, dict) else ""


def escape(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class Databases:
    """sqldb instances as PostgreSQL databases, through psql."""

    def __init__(self, url):
        self.url = url

    def sql(self, statement, *values):
        """Runs one statement with psql variables :'v1', :'v2'… bound to `values` (quoted by psql)."""
        if not self.url:
            raise Refuse("this engine makes sqldb instances in PostgreSQL: set HOSTING_DATABASE_URL to a server where its role may create "
                         "databases and roles")
        command = ["psql", self.url, "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1"]
        for index, value in enumerate(values, start=1):
            command += ["-v", f"v{index}={value}"]
        try:
            done = subprocess.run(command, input=statement, capture_output=True, text=True, timeout=60)
        except FileNotFoundError:
            raise Refuse("psql is not installed (Debian: apt-get install postgresql-client)")
        except subprocess.TimeoutExpired:
            raise Retry("PostgreSQL did not answer within 60 s")
        if done.returncode != 0:
            error = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"psql exited with {done.returncode}"
            if "could not connect" in done.stderr or "Connection refused" in done.stderr:
                raise Retry(f"PostgreSQL cannot be reached: {error}")
            raise Refuse(f"PostgreSQL refused: {error}")
        return done.stdout

    def owner_of(self, name):
        """The address a database was made for ("" when it is someone else's), or None when
        there is no such database: its owner role's comment names it."""
        rows = self.sql(
            "SELECT 'x' || coalesce(shobj_description(datdba, 'pg_authid'), '') FROM pg_database WHERE datname = :'v1';", name).strip()
        return None if not rows else address_in(rows[1:])

    def exists(self, name):
        return self.owner_of(name) is not None

    def create(self, address, name, owner, limit, comment):
        """Makes the role and the database, or finishes what a run killed half way left."""
        made_for = self.sql("SELECT coalesce(shobj_description(oid, 'pg_authid'), '') FROM pg_roles WHERE rolname = :'v1';", owner).strip()
        if not made_for and self.sql("SELECT 1 FROM pg_roles WHERE rolname = :'v1';", owner).strip() != "1":
            # One transaction: a role is never left without the comment that says whose it is.
            self.sql(f'BEGIN; CREATE ROLE "{owner}" NOLOGIN CONNECTION LIMIT {int(limit)}; COMMENT ON ROLE "{owner}" IS :\'v1\'; COMMIT;',
                     json.dumps({"address": address}))
        elif address_in(made_for) != address:
            raise Refuse(f"role {owner} already exists on the server and was not made for {address}")
        else:
            self.sql(f'ALTER ROLE "{owner}" CONNECTION LIMIT {int(limit)};')
        if self.owner_of(name) is None:
            self.sql(f'CREATE DATABASE "{name}" OWNER "{owner}";')
        self.sql(f'COMMENT ON DATABASE "{name}" IS :\'v1\';', comment)

    def change(self, old, name, owner, limit, comment):
        if old != name:
            self.sql(f'ALTER DATABASE "{old}" RENAME TO "{name}";')
        self.sql(f'ALTER ROLE "{owner}" CONNECTION LIMIT {int(limit)};')
        self.sql(f'COMMENT ON DATABASE "{name}" IS :\'v1\';', comment)

    def drop(self, name, owner):
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);')
        self.sql(f'DROP ROLE IF EXISTS "{owner}";')

    def made(self):
        """(address, comment) of every database this engine made: its comment names the address."""
        rows = self.sql("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datistemplate = false;")
        for line in rows.splitlines():
            try:
                comment = json.loads(line)
            except ValueError:
                continue
            if isinstance(comment, dict) and "address" in comment:
                yield comment


def main(arguments):
    label = "default"
    for flag in ("--region", "--site"):
        if flag in arguments:
            label = arguments[arguments.index(flag) + 1]
    state = os.environ.get("HOSTING_STATE_DIR") or os.path.join(".provisor", "engines", label)
    os.makedirs(state, exist_ok=True)
    directory = Directory(os.path.join(state, "directory.db"))
    databases = Databases(os.environ.get("HOSTING_DATABASE_URL"))
    engine = Engine(state=os.path.join(state, "answered.jsonl"))

    def is_database(message):
        return message["kind"] == "customer-service" and message.get("service", {}).get("code") == "sqldb"

    def database_settings(message):
        properties = message["service"]["properties"]
        name = str(properties.get("dbName", ""))
        if not IDENTIFIER.match(name):
            raise Refuse(f"dbName '{name}' is not a database name this platform makes: letters, digits and _, up to 60, not starting with a digit")
        vcores = int(properties.get("vCores", 2))
        comment = json.dumps({"address": message["address"], "dbName": name, "edition": properties.get("edition"), "vCores": vcores,
                              "storageGB": properties.get("storageGB")}, sort_keys=True)
        return name, name + "_owner", vcores * 10, comment

    def masked(message):
        attributes = dict(message.get("attributes", {}))
        for name in message.get("sensitive", []):
            attributes.pop(name, None)
        return attributes

    def keep(message, outputs, answered=None):
        """Records the resource (a user's password only as its hash) and that the message was
        carried out, answering `answered` (default `outputs`), in one transaction."""
        def work():
            password = message.get("attributes", {}).get("password")
            if message["kind"] == "user" and isinstance(password, str):
                directory.set_password(message["address"], password)
            directory.put(message["address"], message["kind"], masked(message), outputs)
        directory.change(message["id"], outputs if answered is None else answered, work)
        exit_after_acting(message)

    def exit_after_acting(message):
        """The test fault HOSTING_EXIT_AFTER_ACTING: exit once, acted and unanswered."""
        if os.environ.get("HOSTING_EXIT_AFTER_ACTING") == message["address"]:
            marker = os.path.join(state, "exited-after-acting")
            if not os.path.exists(marker):
                open(marker, "w").close()
                os._exit(9)

    def replayed(handler):
        """A message the directory notes as carried out is answered as it was, not done again."""
        def handle(message):
            done = directory.carried_out(message["id"])
            if done is not None:
                engine.log(f"{message['address']}: message {message['id']} was carried out before its answer was lost; answered as a replay")
                return done
            return handler(message)
        return handle

    def held(message, verb):
        record = directory.get(message["address"])
        if record is None:
            raise Refuse(f"{message['address']} is not here; it cannot be {verb}")
        return record

    def check_parent(message):
        customer = message.get("customer") or {}
        if message["kind"] not in ("reseller", "customer") and customer.get("engine") == message["engine"] \
                and directory.get("customer/" + customer["code"]) is None:
            raise Refuse(f"unknown customer {customer['code']}: provision the customer first")

    @engine.handles("provision")
    @replayed
    def provision(message):
        address, kind = message["address"], message["kind"]
        if directory.get(address) is not None:
            raise Refuse(f"{address} already exists here")
        check_parent(message)
        outputs = {}
        if is_database(message):
            name, owner, limit, comment = database_settings(message)
            if databases.owner_of(name) not in (None, address):
                raise Refuse(f"database {name} already exists on the server and was not made for {address}")
            databases.create(address, name, owner, limit, comment)
            outputs = {"database": name, "role": owner}
        elif kind == "customer":
            outputs = {"tenantId": str(uuid.uuid4())}
        elif kind == "user":
            outputs = {"objectId": str(uuid.uuid4())}
        keep(message, outputs)
        engine.log(f"provisioned {address}")
        return outputs

    @engine.handles("update")
    @replayed
    def update(message):
        address = message["address"]
        outputs = held(message, "updated")["outputs"]
        if is_database(message):
            known = message.get("outputs", {}).get("database") or outputs.get("database")
            name, owner, limit, comment = database_settings(message)
            if not known or not databases.exists(known):
                raise Refuse(f"database {known or name} of {address} is not on the server: it was removed outside Provisor")
            databases.change(known, name, outputs.get("role", owner), limit, comment)
            outputs = {"database": name, "role": outputs.get("role", owner)}
        answered = outputs if is_database(message) else {}
        keep(message, outputs, answered)
        return answered or None

    @engine.handles("deprovision")
    @replayed
    def deprovision(message):
        address = message["address"]
        record = held(message, "removed")
        below = directory.children(address)
        if below:
            raise Refuse(f"{address} still has {len(below)} resource(s) here, {below[0]} first; remove them before it")
        if is_database(message):
            outputs = message.get("outputs") or record["outputs"]
            databases.drop(outputs["database"], outputs["role"])
        directory.change(message["id"], {}, lambda: directory.remove(address))
        exit_after_acting(message)

    @engine.observes
    def observe():
        made = {comment["address"]: comment for comment in databases.made()} if databases.url else {}
        resources = []
        for address, attributes, outputs in directory.all():
            if "database" in outputs:
                comment = made.get(address)
                if comment is None:
                    continue  # dropped outside Provisor: missing
                attributes = {"properties." + name: comment[name] for name in ("dbName", "edition", "vCores", "storageGB")
                              if comment.get(name) is not None}
            resources.append({"address": address, "attributes": attributes, "outputs": outputs})
        return resources

    engine.main(arguments)


if __name__ == "__main__":
    main(sys.argv[1:])
