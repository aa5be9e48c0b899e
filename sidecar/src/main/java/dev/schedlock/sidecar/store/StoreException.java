package dev.schedlock.sidecar.store;

/**
 * A store failure with a message written for the operator: what was found and what to do.
 * The message never contains credentials.
 */
public class StoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What went wrong, so that callers can decide between retrying and giving up. */
    public enum Kind {
        /** Store not reachable or busy beyond the timeout; retrying may help. */
        UNAVAILABLE(true),
        /** A statement took longer than the statement timeout; retrying may help. */
        TIMEOUT(true),
        /** The file is not a SQLite database or is damaged. Nothing was changed. */
        CORRUPT(false),
        /** The database belongs to another application (tables, but no schedlock schema). */
        FOREIGN_DATABASE(false),
        /** The schema was written by a newer schedlock version than this one. */
        NEWER_SCHEMA(false),
        /** The store refuses writes (read-only file, directory or role). */
        READ_ONLY(false),
        /** The store cannot be opened at all (missing directory, permissions, credentials). */
        CANNOT_OPEN(false),
        /** The store is in a place that cannot give the safety guarantees (e.g. SQLite on NFS). */
        UNSUPPORTED(false),
        /** Schema not migrated yet. */
        NOT_MIGRATED(true),
        /**
         * The store this process has been using is no longer the one at its address: the SQLite file
         * was deleted or replaced, or the tables were dropped or recreated (a new store id). Whatever
         * the operation did there does not count; a holder must revoke at once, since the store now
         * at the address may grant the lease to another process. The next call opens the store at
         * the address afresh, so it may succeed.
         */
        STORE_REPLACED(true);

        private final boolean transientFailure;

        Kind(boolean transientFailure) {
            this.transientFailure = transientFailure;
        }

        /** True when the same call may succeed later without anyone changing anything. */
        public boolean isTransient() {
            return transientFailure;
        }
    }

    private final Kind kind;
    private final boolean permanent;

    public StoreException(Kind kind, String message) {
        this(kind, message, null);
    }

    public StoreException(Kind kind, String message, Throwable cause) {
        this(kind, message, cause, !kind.isTransient());
    }

    private StoreException(Kind kind, String message, Throwable cause, boolean permanent) {
        super(message, cause);
        this.kind = kind;
        this.permanent = permanent;
    }

    public Kind kind() {
        return kind;
    }

    /**
     * True when waiting cannot fix this error, only a change to this process's own configuration or
     * files can: a kind that is not {@link Kind#isTransient() transient}, from a store that nobody
     * changes behind this process's back (a SQLite file). A sidecar that meets such an error at
     * start-up exits instead of retrying. False for every error of a database server (see
     * {@link #fixableOnServer()}).
     */
    public boolean isPermanent() {
        return permanent;
    }

    /**
     * This error, from a database server, whose state (databases, roles, grants, the schema, which
     * node is the primary) its administrators change while a sidecar waits: never permanent. Same
     * kind, message and cause.
     */
    public StoreException fixableOnServer() {
        if (!permanent) {
            return this;
        }
        StoreException copy = new StoreException(kind, getMessage(), getCause(), false);
        copy.setStackTrace(getStackTrace());
        return copy;
    }
}
