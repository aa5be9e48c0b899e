package dev.schedlock.sidecar.store.jdbc;

import dev.schedlock.sidecar.store.StoreException;
import dev.schedlock.sidecar.store.StoreException.Kind;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * PostgreSQL: one lease for pods on many nodes.
 *
 * <ul>
 *   <li>Expiry by the server's clock ({@code clock_timestamp()}), the one clock every candidate shares.</li>
 *   <li>The lease is a row, never a session-level advisory lock, and every statement names its
 *       schema, so it works through a transaction pooler (PgBouncer in transaction mode; use
 *       {@code prepareThreshold=0} there).</li>
 *   <li>Migrations are serialized by a transaction-level advisory lock.</li>
 *   <li>Connect and statement timeouts sit below the lease deadline; a lost connection is
 *       reopened on the next call.</li>
 *   <li>The password is passed as a connection property, never in the URL this class prints.</li>
 * </ul>
 */
public final class PostgresDialect implements SqlDialect {

    /** Channel that a release notifies, with the lock name as payload. */
    public static final String RELEASE_CHANNEL = "schedlock_release";

    private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private final String url;
    private final String user;
    private final String password;
    private final String schema;
    private final Duration statementTimeout;

    /**
     * @param url      {@code jdbc:postgresql://host:port/db}, without credentials
     * @param schema   where the tables live (created if missing); lower case identifier
     */
    public PostgresDialect(String url, String user, String password, String schema, Duration statementTimeout) {
        if (!SCHEMA.matcher(schema).matches()) {
            throw new IllegalArgumentException("store schema '" + schema + "' is not valid: use a lower-case"
                    + " identifier such as schedlock");
        }
        this.url = url;
        this.user = user;
        this.password = password;
        this.schema = schema;
        this.statementTimeout = statementTimeout;
    }

    public String schema() {
        return schema;
    }

    /** Opens a connection with the same settings, for the release listener. */
    public Connection connectForListening() throws SQLException {
        return open(false);
    }

    @Override
    public String name() {
        return "postgresql";
    }

    @Override
    public String qualify(String table) {
        return "\"" + schema + "\"." + table;
    }

    @Override
    public String nowMillisExpression() {
        return "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";
    }

    @Override
    public String lockRowSuffix() {
        return " FOR UPDATE";
    }

    @Override
    public Connection connect() throws SQLException {
        return open(true);
    }

    private Connection open(boolean withStatementTimeout) throws SQLException {
        Properties props = new Properties();
        if (user != null) {
            props.setProperty("user", user);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        long timeoutMs = Math.max(1, statementTimeout.toMillis());
        // Whole seconds only; at least one so that a slow network is still a failure, not a hang.
        props.setProperty("connectTimeout", String.valueOf(Math.max(1, (timeoutMs + 999) / 1000)));
        props.setProperty("loginTimeout", String.valueOf(Math.max(1, (timeoutMs + 999) / 1000)));
        // A backstop for a dead peer that sends no RST: the socket read gives up as well.
        props.setProperty("socketTimeout", String.valueOf(Math.max(2, (timeoutMs + 999) / 1000 + 1)));
        props.setProperty("tcpKeepAlive", "true");
        props.setProperty("ApplicationName", "schedlock-sidecar");
        if (withStatementTimeout && !url.contains("options=")) {
            // The server cancels a statement that runs longer than this; below the lease deadline.
            props.setProperty("options", "-c statement_timeout=" + timeoutMs);
        }
        Connection c = DriverManager.getConnection(url, props);
        c.setAutoCommit(true);
        return c;
    }

    @Override
    public void beginWrite(Connection c) throws SQLException {
        c.setAutoCommit(false);
    }

    @Override
    public void commit(Connection c) throws SQLException {
        c.commit();
        c.setAutoCommit(true);
    }

    @Override
    public void rollback(Connection c) throws SQLException {
        if (!c.getAutoCommit()) {
            c.rollback();
            c.setAutoCommit(true);
        }
    }

    @Override
    public void lockForMigration(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
            ps.setLong(1, migrationLockKey());
            ps.execute();
        }
        if (!schemaExists(c)) {
            // Only when missing: CREATE SCHEMA needs CREATE on the database even with IF NOT EXISTS,
            // which a role that was given a schema of its own does not have.
            try (Statement st = c.createStatement()) {
                st.execute("CREATE SCHEMA IF NOT EXISTS \"" + schema + "\"");
            }
        }
        try (Statement st = c.createStatement()) {
            // Scripts name tables unqualified; this holds for this transaction only (pooler-safe).
            st.execute("SET LOCAL search_path TO \"" + schema + "\"");
        }
    }

    private boolean schemaExists(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_namespace WHERE nspname = ?")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private long migrationLockKey() {
        CRC32 crc = new CRC32();
        crc.update(("schedlock:migrate:" + schema).getBytes(StandardCharsets.UTF_8));
        return crc.getValue();
    }

    @Override
    public void beforeMigrate(Connection c) {
        // Nothing to switch on: the schema is created under the migration lock.
    }

    @Override
    public List<String> existingTables(Connection c) throws SQLException {
        List<String> tables = new ArrayList<>();
        // From the catalog, not information_schema: that shows only tables the user has rights on,
        // and a table of another role must not look like an empty schema.
        try (PreparedStatement ps = c.prepareStatement("SELECT c.relname FROM pg_class c"
                + " JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE n.nspname = ? AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY c.relname")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
        }
        return tables;
    }

    @Override
    public List<String> columnsOf(Connection c, String table) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT a.attname FROM pg_attribute a"
                + " JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE n.nspname = ? AND c.relname = ? AND a.attnum > 0 AND NOT a.attisdropped"
                + " ORDER BY a.attnum")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(rs.getString(1).toLowerCase(Locale.ROOT));
                }
            }
        }
        return columns;
    }

    @Override
    public String afterReleaseStatement() {
        // The channel is database-wide: the payload names the schema too, so that locks of the
        // same name in other schemas do not wake this one's candidates.
        return "SELECT pg_notify('" + RELEASE_CHANNEL + "', '" + schema + "/' || ?)";
    }

    @Override
    public boolean modifiesInWithClauses() {
        return true;
    }

    @Override
    public String releaseNotifyExpression() {
        return "pg_notify('" + RELEASE_CHANNEL + "', '" + schema + "/' || :name)";
    }

    @Override
    public boolean isServer() {
        return true;
    }

    /** LISTEN on a connection of its own: the release transaction sends NOTIFY. */
    @Override
    public ReleaseWatchThread releaseWatch(String lockName, Runnable onRelease) {
        return new PostgresReleaseListener(this, lockName, onRelease);
    }

    /** The payload a release of {@code lockName} in this schema sends on {@link #RELEASE_CHANNEL}. */
    public String releasePayload(String lockName) {
        return schema + "/" + lockName;
    }

    @Override
    public StoreException translate(SQLException e, String during) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String what = describe() + ": " + during + " failed: ";
        String detail = firstLine(e.getMessage());
        if (state.equals("28P01") || state.equals("28000")) {
            return new StoreException(Kind.CANNOT_OPEN, what + "authentication failed for user '" + user
                    + "' (" + detail + "). Check --store-user and the password in --store-password-file or"
                    + " SCHEDLOCK_STORE_PASSWORD.", e);
        }
        if (state.equals("08004")) {
            // The driver refused before the server judged any password: none was given, or the
            // server asks for an authentication method the driver cannot do.
            return new StoreException(Kind.CANNOT_OPEN, what + "the server refused the login of user '" + user
                    + "' (" + detail + "). Check --store-user and the password in --store-password-file or"
                    + " SCHEDLOCK_STORE_PASSWORD.", e);
        }
        if (state.equals("3D000")) {
            return new StoreException(Kind.CANNOT_OPEN, what + "the database does not exist (" + detail
                    + "). Create it or fix the database name in --store.", e);
        }
        if (state.equals("42501")) {
            return new StoreException(Kind.CANNOT_OPEN, what + "permission denied (" + detail + "). User '" + user
                    + "' needs CREATE on the database (or schema \"" + schema + "\" owned by it) and rights on"
                    + " its tables; a schema owned by another role is not touched.", e);
        }
        if (state.equals("25006")) {
            return new StoreException(Kind.READ_ONLY, what + "the server is read-only (" + detail
                    + "). Point --store at the primary, not a replica.", e);
        }
        if (state.equals("42P01") || state.equals("3F000")) {
            return new StoreException(Kind.NOT_MIGRATED, what + "the schedlock tables are missing (" + detail
                    + "): start a sidecar or run `migrate` first.", e);
        }
        if (state.equals("57014")) {
            return new StoreException(Kind.TIMEOUT, what + "the statement ran longer than the statement timeout of "
                    + statementTimeout.toMillis() + " ms (" + detail + ").", e);
        }
        if (state.startsWith("08") || state.startsWith("57P") || state.isEmpty()) {
            return new StoreException(Kind.UNAVAILABLE, what + "cannot reach the server (" + detail
                    + "). Check that it runs and that " + describe() + " is reachable from here.", e);
        }
        return new StoreException(Kind.UNAVAILABLE, what + detail + " (SQLState " + state + ")", e);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no message";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    @Override
    public boolean isConnectionBroken(SQLException e) {
        String state = e.getSQLState();
        return state == null || state.startsWith("08") || state.startsWith("57P") || state.equals("57014");
    }

    /** The URL without anything that looks like a password, for messages. */
    static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1****").replaceAll("//([^/@:]+):[^/@]*@", "//$1:****@");
    }

    @Override
    public String describe() {
        return "postgresql:" + redact(url).replaceFirst("^jdbc:postgresql:", "") + " schema " + schema;
    }
}
