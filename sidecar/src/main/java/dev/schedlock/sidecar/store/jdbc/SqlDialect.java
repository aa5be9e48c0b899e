package dev.schedlock.sidecar.store.jdbc;

import dev.schedlock.sidecar.store.StoreException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * What differs between databases. {@link JdbcLeaseStore} holds the statements that are the same
 * everywhere; a dialect supplies only the clock expression, connections, transactions, the
 * migration lock and error translation (ShedLock's {@code SqlStatementsSource} habit).
 */
public interface SqlDialect {

    /** {@code sqlite} or {@code postgresql}; also the folder of its migration scripts. */
    String name();

    /** The table name as statements must write it (PostgreSQL: schema-qualified, so no search_path is needed). */
    default String qualify(String table) {
        return table;
    }

    /**
     * A statement run inside the release transaction with the lock name as its one parameter, to
     * wake waiting candidates (PostgreSQL: {@code pg_notify}); null when the store has no push.
     */
    default String afterReleaseStatement() {
        return null;
    }

    /**
     * True when statements may modify data inside a {@code WITH} clause (PostgreSQL), so that an
     * acquisition or a release, history row included, is one autocommit statement: one round trip,
     * one commit. False: the store reads first and writes in a transaction (SQLite).
     */
    default boolean modifiesInWithClauses() {
        return false;
    }

    /**
     * With {@link #modifiesInWithClauses()}: an expression, evaluated once per released row in the
     * release statement, that wakes waiting candidates at commit; it may use the parameter
     * {@code :name} (the lock name). Null when the store has no push.
     */
    default String releaseNotifyExpression() {
        return null;
    }

    /**
     * The thread (not started) that wakes a waiting candidate of {@code lockName} when its holder
     * releases, so that it need not wait for its next retry.
     */
    ReleaseWatchThread releaseWatch(String lockName, Runnable onRelease);

    /**
     * True for a database server, whose state others change while a sidecar runs: none of its
     * errors is permanent ({@link StoreException#isPermanent()}). False for a file that only this
     * host's processes use.
     */
    default boolean isServer() {
        return false;
    }

    /** A SQL expression for the store's clock in integer milliseconds since the epoch. */
    String nowMillisExpression();

    /** Appended to the row read inside an acquire transaction ({@code " FOR UPDATE"} or empty). */
    String lockRowSuffix();

    /**
     * Opens and configures a new connection (timeouts, pragmas) to the existing store; never
     * creates it (SQLite: the file).
     */
    Connection connect() throws SQLException;

    /** Like {@link #connect()}, but may create the store where that is the dialect's way (SQLite: the file). */
    default Connection connectOrCreate() throws SQLException {
        return connect();
    }

    /**
     * Called just before a connection opens: what the store's address names, so that every
     * operation can check that the address still names what the connection has open.
     */
    default OpenedStore beforeOpen() {
        return OpenedStore.UNCHECKED;
    }

    /**
     * Called after a commit that must survive the loss of everything but the main database file:
     * a migration (the schema and the store id) and an acquisition (the new fencing token).
     * SQLite copies them from its {@code -wal} file into the database file; elsewhere a no-op.
     */
    default void checkpoint(Connection connection) throws SQLException {
    }

    /**
     * Opens the store's connection for a migration, which may wait longer for locks (SQLite);
     * {@link #exitMigration} brings it back to the lease operations' waits.
     */
    default Connection connectForMigration() throws SQLException {
        return connect();
    }

    /** Starts a transaction that holds the write lock from its first statement. */
    void beginWrite(Connection connection) throws SQLException;

    void commit(Connection connection) throws SQLException;

    void rollback(Connection connection) throws SQLException;

    /**
     * Inside an open write transaction: serializes migrators (SQLite already has the write lock;
     * PostgreSQL takes a transaction-level advisory lock).
     */
    void lockForMigration(Connection connection) throws SQLException;

    /** Names of the tables that exist where this store keeps its tables. */
    List<String> existingTables(Connection connection) throws SQLException;

    /** Column names of one table there, lower case. */
    List<String> columnsOf(Connection connection, String table) throws SQLException;

    /** Called once before the first migration step touches anything (SQLite: WAL mode). */
    void beforeMigrate(Connection connection) throws SQLException;

    /**
     * Called first when a migration starts, before it reads anything: the dialect may let the
     * migration wait longer for locks than a lease operation may (SQLite).
     */
    default void enterMigration(Connection connection) throws SQLException {
    }

    /** Called last when a migration ends, whether it succeeded or not: undoes {@link #enterMigration}. */
    default void exitMigration(Connection connection) throws SQLException {
    }

    /**
     * Turns a driver exception into a message for the operator: what was found and what to do.
     *
     * @param during what the store was doing, e.g. "acquire of lock 'x'"
     */
    StoreException translate(SQLException e, String during);

    /** True when the connection should be dropped and opened anew after {@code e}. */
    boolean isConnectionBroken(SQLException e);

    /** Where the store is, for logs and messages, without credentials. */
    String describe();
}
