import Foundation
import GRDB

/// The SQLite schema, in versions. A released migration is never edited: a change is a new
/// migration, here and in `PostgresSchema` (same identifiers, same tables and columns; a test
/// holds the two in step).
enum SQLiteSchema {
    /// The schema's versions, oldest first.
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: resources, serial, lock, journal, audit") { db in
            try db.execute(
                sql: """
                    CREATE TABLE state_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;
                    CREATE TABLE resource (
                        address TEXT PRIMARY KEY NOT NULL,
                        kind TEXT NOT NULL,
                        customer TEXT,
                        parent TEXT,
                        engine TEXT NOT NULL,
                        attributes TEXT NOT NULL,
                        serial INTEGER NOT NULL,
                        updated_at REAL NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX resource_by_customer ON resource(customer);
                    CREATE TABLE state_lock (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        lock_id TEXT NOT NULL,
                        holder TEXT NOT NULL,
                        process_id INTEGER NOT NULL,
                        operation TEXT NOT NULL,
                        acquired_at REAL NOT NULL
                    );
                    CREATE TABLE journal (
                        sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                        run TEXT NOT NULL,
                        address TEXT NOT NULL,
                        action TEXT NOT NULL,
                        status TEXT NOT NULL,
                        message_id TEXT NOT NULL,
                        detail TEXT,
                        at REAL NOT NULL
                    );
                    CREATE INDEX journal_by_run ON journal(run);
                    CREATE TABLE audit (
                        sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                        at REAL NOT NULL,
                        actor TEXT NOT NULL,
                        address TEXT NOT NULL,
                        action TEXT NOT NULL,
                        detail TEXT,
                        serial INTEGER NOT NULL
                    );
                    CREATE INDEX audit_by_address ON audit(address);
                    CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
                    CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
                    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                    """)
            try db.execute(sql: "INSERT INTO state_meta (key, value) VALUES ('lineage', ?), ('serial', '0')", arguments: [UUID().uuidString.lowercased()])
        }
        migrator.registerMigration("v2: journal payloads, audit commits, outbox") { db in
            try db.execute(
                sql: """
                    ALTER TABLE journal ADD COLUMN parent TEXT;
                    ALTER TABLE journal ADD COLUMN engine TEXT;
                    ALTER TABLE journal ADD COLUMN attributes TEXT;
                    ALTER TABLE journal ADD COLUMN previous TEXT;
                    CREATE INDEX journal_by_message ON journal(message_id, sequence);
                    CREATE INDEX journal_pending ON journal(status) WHERE status = 'pending';
                    ALTER TABLE audit ADD COLUMN commit_sha TEXT;
                    CREATE TABLE outbox (
                        position INTEGER PRIMARY KEY AUTOINCREMENT,
                        message_id TEXT NOT NULL UNIQUE,
                        engine TEXT NOT NULL,
                        address TEXT NOT NULL,
                        action TEXT NOT NULL,
                        body TEXT NOT NULL,
                        at REAL NOT NULL
                    );
                    CREATE INDEX outbox_by_engine ON outbox(engine, position);
                    CREATE TRIGGER outbox_no_update BEFORE UPDATE ON outbox BEGIN SELECT RAISE(ABORT, 'the outbox is append-only'); END;
                    """)
        }
        migrator.registerMigration("v3: commits") { db in
            // The git commits audit entries name, once each: author and message are not repeated
            // on every row of a large apply.
            try db.execute(
                sql: """
                    CREATE TABLE git_commit (
                        sha TEXT PRIMARY KEY,
                        author_name TEXT NOT NULL,
                        author_email TEXT NOT NULL,
                        authored_at REAL NOT NULL,
                        message TEXT NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v4: observations") { db in
            // The last reading of each engine (drift): when it was tried, why it failed, and
            // what the last successful one held.
            try db.execute(
                sql: """
                    CREATE TABLE observed_engine (
                        engine TEXT PRIMARY KEY NOT NULL,
                        attempted_at REAL NOT NULL,
                        failure TEXT,
                        observed_at REAL
                    ) WITHOUT ROWID;
                    CREATE TABLE observed_resource (
                        engine TEXT NOT NULL REFERENCES observed_engine(engine) ON DELETE CASCADE,
                        address TEXT NOT NULL,
                        attributes TEXT NOT NULL,
                        PRIMARY KEY (engine, address)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v5: outputs") { db in
            // What engines answered about what they made, apart from the desired attributes so
            // that an update keeps it. Earlier versions merged outputs into the attributes; they
            // stay there, as recorded.
            try db.execute(sql: "ALTER TABLE resource ADD COLUMN outputs TEXT NOT NULL DEFAULT '{}'")
        }
        migrator.registerMigration("v6: sent messages") { db in
            // A message a broker took is journalled as sent until its answer is collected.
            try db.execute(sql: "CREATE INDEX journal_open ON journal(status) WHERE status IN ('pending', 'sent')")
            try db.execute(sql: "DROP INDEX journal_pending")
        }
        migrator.registerMigration("v7: row checksums") { db in
            // RowChecksum over each resource row; rows recorded before gain one when next written.
            try db.execute(sql: "ALTER TABLE resource ADD COLUMN checksum INTEGER")
        }
        return migrator
    }()
}
