package dev.schedlock.sidecar.store.jdbc;

import dev.schedlock.sidecar.store.StoreException;
import dev.schedlock.sidecar.store.StoreException.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteOpenMode;

/**
 * SQLite: one file shared by the processes of one host.
 *
 * <ul>
 *   <li>The store's clock is the host clock, read by SQLite ({@code unixepoch('subsec')}), so every
 *       process on the host judges expiry by the same clock.</li>
 *   <li>WAL mode, so that readers never block the writer; {@code busy_timeout} below the lease
 *       deadline so that a busy file is a timely failure, not a hang.</li>
 *   <li>{@code synchronous=FULL}: every commit, acquisitions included, reaches the disk before
 *       the token is used, so a token is never handed out twice after a power loss.</li>
 *   <li>Writes take the lock first ({@code BEGIN IMMEDIATE}), so read-then-write never races.</li>
 *   <li>Network file systems are refused: their locking does not give these guarantees.</li>
 * </ul>
 */
public final class SqliteDialect implements SqlDialect {

    /** File systems whose POSIX locking SQLite cannot trust across hosts. */
    private static final List<String> NETWORK_FILESYSTEMS = List.of(
            "nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs", "ceph", "glusterfs", "fuse.glusterfs",
            "lustre", "afs", "fuse.s3fs", "fuse.rclone");

    private static final int SQLITE_BUSY = 5;
    private static final long WAL_SWITCH_RETRY_MILLIS = 10;

    /**
     * How long a migration waits for the file's locks, at least. Sidecars that start together on
     * a new file wait for one another's migration: on a busy node a cold JVM can hold the write
     * lock for longer than the statement timeout, which is sized for renewals, and the others
     * would fail, log an error and retry. The lease is not held while migrating, so the longer
     * wait costs only start-up time; a file locked for longer is still reported.
     */
    static final Duration MIGRATION_LOCK_WAIT = Duration.ofSeconds(10);

    private final Path file;
    private final Duration busyTimeout;

    public SqliteDialect(Path file, Duration busyTimeout) {
        this.file = file.toAbsolutePath().normalize();
        this.busyTimeout = busyTimeout;
    }

    /** Parses {@code jdbc:sqlite:/path/to/file.db} (or {@code jdbc:sqlite:file:/path}). */
    public static SqliteDialect fromUrl(String url, Duration busyTimeout) {
        String rest = url.substring("jdbc:sqlite:".length());
        if (rest.startsWith("file:")) {
            rest = rest.substring("file:".length());
        }
        int query = rest.indexOf('?');
        if (query >= 0) {
            // Not repeated: the options may hold a password (jdbc:sqlite:/x.db?password=…).
            throw new IllegalArgumentException("--store: SQLite URLs take no options after '?' (not shown here:"
                    + " they may hold a secret); SQLite has no password, and the sidecar sets its own WAL,"
                    + " synchronous and busy-timeout settings: use jdbc:sqlite:/path/to/file.db");
        }
        if (rest.isBlank() || rest.equals(":memory:") || rest.contains("mode=memory")) {
            throw new IllegalArgumentException("store must be a file shared by every sidecar on the host, not '"
                    + url + "': use jdbc:sqlite:/path/to/file.db");
        }
        return new SqliteDialect(Path.of(rest), busyTimeout);
    }

    public Path file() {
        return file;
    }

    @Override
    public String name() {
        return "sqlite";
    }

    @Override
    public String nowMillisExpression() {
        return "CAST(unixepoch('subsec') * 1000 AS INTEGER)";
    }

    @Override
    public String lockRowSuffix() {
        return ""; // BEGIN IMMEDIATE already holds the write lock
    }

    /**
     * Opens the existing file; never creates it. A file deleted under a running sidecar stays
     * missing until a sidecar starts (its migration creates a new store, with a new store id): a
     * running one must not repair what someone else removed.
     */
    @Override
    public Connection connect() throws SQLException {
        return connect(busyTimeout, false);
    }

    @Override
    public Connection connectOrCreate() throws SQLException {
        return connect(busyTimeout, true);
    }

    /**
     * May create the file. Even the first statement on a connection reads the file's header, under
     * a shared lock that another process's migration (still in rollback-journal mode, or switching
     * to WAL) can hold.
     */
    @Override
    public Connection connectForMigration() throws SQLException {
        return connect(migrationLockWait(), true);
    }

    /** Watches the file, its -wal and -shm: a file deleted or replaced under this store is reported. */
    @Override
    public OpenedStore beforeOpen() {
        return SqliteOpenFiles.beforeOpening(file);
    }

    /**
     * Copies the schema or a new token from the WAL into the database file at once (a passive
     * checkpoint, which waits for no one), so that it survives the loss of the {@code -wal} file:
     * renewals alone reach SQLite's automatic checkpoint only after hours, and while a sidecar
     * keeps its connection open nothing else checkpoints. Best effort: a reader in the way leaves
     * the rest to the next checkpoint.
     */
    @Override
    public void checkpoint(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
            // One row: busy, frames in the WAL, frames checkpointed; nothing to do with it.
            rs.next();
        }
    }

    private Connection connect(Duration lockWait, boolean mayCreate) throws SQLException {
        SQLiteConfig config = baseConfig(lockWait);
        if (!mayCreate) {
            config.resetOpenMode(SQLiteOpenMode.CREATE);
        }
        Connection c = config.createConnection("jdbc:sqlite:" + file);
        try (Statement st = c.createStatement()) {
            // Per-connection settings; none writes to the file.
            st.execute("PRAGMA synchronous = FULL");
            // The lease table is a few rows; 512 KiB of page cache (default 2 MiB) is plenty.
            st.execute("PRAGMA cache_size = -512");
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /**
     * A read-only connection for {@link SqliteReleaseWatcher}: it can neither write nor create the
     * file, so a watcher can never change the store.
     */
    Connection connectReadOnly() throws SQLException {
        SQLiteConfig config = baseConfig(busyTimeout);
        config.setReadOnly(true);
        return config.createConnection("jdbc:sqlite:" + file);
    }

    /** Network file systems and non-files refused, the busy timeout set: what every connection starts from. */
    private SQLiteConfig baseConfig(Duration lockWait) {
        refuseNetworkFileSystem();
        refuseAnythingButARegularFile();
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(millis(lockWait));
        return config;
    }

    /** Polls {@code PRAGMA data_version}: SQLite has no push. */
    @Override
    public ReleaseWatchThread releaseWatch(String lockName, Runnable onRelease) {
        return new SqliteReleaseWatcher(this, lockName, SqliteReleaseWatcher.DEFAULT_INTERVAL, onRelease);
    }

    @Override
    public void enterMigration(Connection c) throws SQLException {
        setBusyTimeout(c, migrationLockWait());
    }

    @Override
    public void exitMigration(Connection c) throws SQLException {
        setBusyTimeout(c, busyTimeout);
    }

    private Duration migrationLockWait() {
        return busyTimeout.compareTo(MIGRATION_LOCK_WAIT) > 0 ? busyTimeout : MIGRATION_LOCK_WAIT;
    }

    /** The busy timeout in force during {@code during}. */
    private Duration lockWait(String during) {
        return JdbcLeaseStore.MIGRATION.equals(during) ? migrationLockWait() : busyTimeout;
    }

    private static void setBusyTimeout(Connection c, Duration timeout) throws SQLException {
        c.unwrap(SQLiteConnection.class).setBusyTimeout(millis(timeout));
    }

    private static int millis(Duration timeout) {
        return (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    }

    @Override
    public void beforeMigrate(Connection c) throws SQLException {
        // Persistent in the file; needs a write lock, so it runs after the ownership check.
        String mode = switchToWal(c);
        if (!"wal".equalsIgnoreCase(mode)) {
            throw new StoreException(Kind.UNSUPPORTED, describe() + " could not switch to WAL mode (got '"
                    + mode + "'): put the file on a local file system that supports shared memory");
        }
    }

    /**
     * Switching to WAL needs the exclusive lock. When several processes switch a new file at once,
     * SQLite answers SQLITE_BUSY at once, without using the busy timeout, to those whose waiting
     * could deadlock with another's (each holds a shared lock and wants the exclusive one). Their
     * statement has released its locks by then, so they retry, within the busy timeout.
     */
    private String switchToWal(Connection c) throws SQLException {
        long deadline = System.nanoTime() + migrationLockWait().toNanos();
        while (true) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("PRAGMA journal_mode = WAL")) {
                rs.next();
                return rs.getString(1);
            } catch (SQLException e) {
                if ((e.getErrorCode() & 0xff) != SQLITE_BUSY || System.nanoTime() - deadline >= 0) {
                    throw e;
                }
                try {
                    Thread.sleep(WAL_SWITCH_RETRY_MILLIS);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    @Override
    public void beginWrite(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("BEGIN IMMEDIATE");
        }
    }

    @Override
    public void commit(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("COMMIT");
        }
    }

    @Override
    public void rollback(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("ROLLBACK");
        } catch (SQLException e) {
            // sqlite-jdbc stays in JDBC autocommit mode and the BEGIN is SQLite's own, so a
            // rollback after a failed BEGIN (or twice) finds nothing to undo; that is fine.
            if (e.getMessage() == null || !e.getMessage().contains("no transaction is active")) {
                throw e;
            }
        }
    }

    @Override
    public void lockForMigration(Connection c) {
        // BEGIN IMMEDIATE has already serialized every writer on the file.
    }

    @Override
    public List<String> existingTables(Connection c) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(
                     "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")) {
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
        }
        return tables;
    }

    @Override
    public List<String> columnsOf(Connection c, String table) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT name FROM pragma_table_info('" + table.replace("'", "''") + "')")) {
            while (rs.next()) {
                columns.add(rs.getString(1).toLowerCase(Locale.ROOT));
            }
        }
        return columns;
    }

    @Override
    public StoreException translate(SQLException e, String during) {
        String what = describe() + ": " + during + " failed: ";
        if (e.getMessage() != null && e.getMessage().contains("no such table")) {
            return new StoreException(Kind.NOT_MIGRATED, what + "the schedlock tables are missing (" + e.getMessage()
                    + "): start a sidecar or run `migrate` first.", e);
        }
        int code = e.getErrorCode() & 0xff;
        return switch (code) {
            case 5, 6 -> new StoreException(Kind.UNAVAILABLE, what + "the file stayed locked by another process for"
                    + " longer than the busy timeout (" + lockWait(during).toMillis() + " ms); a long transaction or a"
                    + " stuck process holds it. Check with `fuser " + file + "`", e);
            case 8 -> new StoreException(Kind.READ_ONLY, what + "the database is read-only for this process (uid "
                    + uid() + "). It needs write access to " + file + " and to its directory (for the -wal and -shm"
                    + " files); fix the permissions or the volume mount. Nothing was changed.", e);
            case 11, 26 -> new StoreException(Kind.CORRUPT, what + "the file is not a SQLite database or is damaged ("
                    + e.getMessage() + "). Nothing was changed: check that the store points at schedlock's"
                    + " database and restore it from a backup. Starting with a new file restarts fencing"
                    + " tokens at 1, so resources that keep the highest token seen will refuse the new"
                    + " leader until they are reset.", e);
            case 14, 3, 23 -> Files.isDirectory(file)
                    ? new StoreException(Kind.CANNOT_OPEN, what + file + " is a directory, not a database file:"
                            + " point the store at a file in it, e.g. " + file.resolve("schedlock.db") + ".", e)
                    : file.getParent() != null && Files.isDirectory(file.getParent()) && !Files.exists(file)
                    ? new StoreException(Kind.CANNOT_OPEN, what + file + " does not exist (any more): it was deleted"
                            + " or moved while this sidecar ran. A running sidecar does not create it again; a"
                            + " sidecar that starts creates a new, empty store (new store id, fencing tokens from"
                            + " 1). See docs/troubleshooting.md, \"does not exist (any more)\".", e)
                    : new StoreException(Kind.CANNOT_OPEN, what + "cannot open the file (" + e.getMessage()
                            + "). Check that " + file.getParent() + " exists and that uid " + uid()
                            + " may read and write there.", e);
            case 13 -> new StoreException(Kind.UNAVAILABLE, what + "the disk is full. Free space on the volume"
                    + " that holds " + file + ".", e);
            default -> new StoreException(Kind.UNAVAILABLE, what + e.getMessage(), e);
        };
    }

    @Override
    public boolean isConnectionBroken(SQLException e) {
        int code = e.getErrorCode() & 0xff;
        return code == 10 || code == 11 || code == 14 || code == 26;
    }

    @Override
    public String describe() {
        return "sqlite:" + file;
    }

    private void refuseNetworkFileSystem() {
        String type = fileSystemType(file.getParent());
        if (type != null && NETWORK_FILESYSTEMS.contains(type.toLowerCase(Locale.ROOT))) {
            throw new StoreException(Kind.UNSUPPORTED, describe() + " lies on a " + type + " file system."
                    + " SQLite's locking is not reliable there, so the lease could be held twice. Put the file on"
                    + " a local disk (one host), or use PostgreSQL for pods on several nodes.");
        }
    }

    /**
     * Refuses, before SQLite opens anything, a path that exists and is not a regular file once
     * links are followed: a device ({@code /dev/null}, {@code /dev/full}), a FIFO or a socket would
     * never hold a database (SQLite would fail on it forever and create {@code NAME-journal} beside
     * it), and opening a FIFO blocks. A link to a regular file is accepted: volume mounts often
     * make one. A missing path is fine: the first migration creates the file.
     */
    private void refuseAnythingButARegularFile() {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            return; // missing (created by the migration), or not readable: SQLite's own error says which
        }
        if (attributes.isRegularFile()) {
            return;
        }
        if (attributes.isDirectory()) {
            throw new StoreException(Kind.CANNOT_OPEN, describe() + ": " + file + " is a directory, not a database"
                    + " file: point the store at a file in it, e.g. " + file.resolve("schedlock.db") + ".");
        }
        throw new StoreException(Kind.CANNOT_OPEN, describe() + ": " + file + " is " + fileType(file)
                + ", not a database file: point --store at a regular file, or at a path where the sidecar may"
                + " create one. Nothing was opened or created.");
    }

    /** "a character device", "a FIFO" …, from the file's mode (links followed). */
    private static String fileType(Path path) {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode");
            return switch (mode & 0170000) {
                case 0020000 -> "a character device";
                case 0060000 -> "a block device";
                case 0010000 -> "a FIFO (named pipe)";
                case 0140000 -> "a socket";
                default -> "not a regular file";
            };
        } catch (IOException | RuntimeException e) {
            return "not a regular file";
        }
    }

    /** The type of the file system that holds {@code dir}, from /proc/self/mounts; null if unknown. */
    static String fileSystemType(Path dir) {
        Path mounts = Path.of("/proc/self/mounts");
        if (dir == null || !Files.isReadable(mounts)) {
            return null;
        }
        try {
            Path real = dir;
            while (real != null && !Files.exists(real)) {
                real = real.getParent();
            }
            if (real == null) {
                return null;
            }
            real = real.toRealPath();
            String best = null;
            int bestLength = -1;
            for (String line : Files.readAllLines(mounts)) {
                String[] fields = line.split(" ");
                if (fields.length < 3) {
                    continue;
                }
                String mountPoint = fields[1].replace("\\040", " ");
                if (real.startsWith(mountPoint) && mountPoint.length() > bestLength) {
                    best = fields[2];
                    bestLength = mountPoint.length();
                }
            }
            return best;
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    private static String uid() {
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            return String.valueOf(uid);
        } catch (Exception e) {
            return System.getProperty("user.name", "?");
        }
    }
}
