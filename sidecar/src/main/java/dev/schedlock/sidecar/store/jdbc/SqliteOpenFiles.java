package dev.schedlock.sidecar.store.jdbc;

import dev.schedlock.sidecar.store.StoreException;
import dev.schedlock.sidecar.store.StoreException.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The files one SQLite connection has open (the database, its {@code -wal} and {@code -shm}), by
 * device and inode, and the check that the store's path still names them.
 *
 * <p>Why: a process keeps using the file it opened after the path was unlinked or renamed over.
 * A sidecar would then renew its lease in a file no one else can see, while a new sidecar creates
 * a new file at the path and leads with token 1: two leaders. Likewise, after only the
 * {@code -wal} and {@code -shm} files were deleted, a new process opens the database without the
 * commits in the old {@code -wal} and with a shared-memory index of its own, so the two no longer
 * see each other's locks or commits.
 *
 * <p>Links are followed, as SQLite follows them: a link to the file is fine (volume mounts make
 * them), and a link changed to point at another file is a replaced file. SQLite keeps
 * {@code -wal} and {@code -shm} beside the real file, so their names are taken from the real path.
 *
 * <p>What is not detected: a file replaced between the moment this process created it (the first
 * migration of a new store) and the moment it looked at it, a few microseconds later; a file that
 * is changed in place (written by another program) rather than replaced.
 */
final class SqliteOpenFiles implements OpenedStore {

    /** A file's identity: device and inode. */
    record Key(Object dev, Object ino) {
        @Override
        public String toString() {
            return "device " + dev + ", inode " + ino;
        }
    }

    private final Path file;
    private final Key before;
    private Key db;
    private Path realFile;
    /** Recorded at the first check that finds them: SQLite creates them at the connection's first read. */
    private Key wal;
    private Key shm;

    private SqliteOpenFiles(Path file, Key before) {
        this.file = file;
        this.before = before;
    }

    /** Looks at {@code file} just before a connection opens it (it may not exist yet). */
    static SqliteOpenFiles beforeOpening(Path file) {
        return new SqliteOpenFiles(file, keyOrNull(file));
    }

    @Override
    public void opened() {
        Key after = keyOrNull(file);
        if (before != null && !before.equals(after)) {
            // Which of the two did SQLite open? Unknown: the caller drops this connection.
            throw new StoreException(Kind.UNAVAILABLE, "sqlite:" + file + ": the file was replaced while it was"
                    + " being opened (" + before + ", then " + describe(after) + "); opening it again");
        }
        db = after; // null: not there yet (a read-only look at a missing file); recorded at the first check
        realFile = realPath();
    }

    @Override
    public void verify() {
        Key now = keyOrNull(file);
        if (db == null) {
            db = now;
            realFile = realPath();
            return;
        }
        if (now == null) {
            throw replaced(file + " was deleted (or moved away) while this process had it open");
        }
        if (!now.equals(db)) {
            throw replaced(file + " was replaced while this process had it open (it had " + db + "; the path now"
                    + " names " + now + ")");
        }
        wal = verifyCompanion("-wal", wal);
        shm = verifyCompanion("-shm", shm);
    }

    /**
     * Checks {@code -wal} or {@code -shm}: once seen, the path must keep naming the same file. SQLite
     * deletes them only when the last connection to the database closes, and this one is open.
     */
    private Key verifyCompanion(String suffix, Key seen) {
        Path companion = Path.of(realFile + suffix);
        Key now = keyOrNull(companion);
        if (seen == null || seen.equals(now)) {
            return now == null ? seen : now;
        }
        throw replaced(companion + (now == null ? " was deleted" : " was replaced") + " while this process had it"
                + " open: a process that opens the database now no longer sees the commits in the old " + suffix
                + " file, nor this process's locks");
    }

    private StoreException replaced(String what) {
        return new StoreException(Kind.STORE_REPLACED, "sqlite:" + file + ": " + what + ". This is no longer the"
                + " store other processes open at this path: the lease held in it is revoked at once, and the"
                + " file at the path is opened again (never created again by a running sidecar).");
    }

    private Path realPath() {
        try {
            return file.toRealPath();
        } catch (IOException e) {
            return file;
        }
    }

    private static String describe(Key key) {
        return key == null ? "no file" : key.toString();
    }

    /**
     * The identity of the file {@code path} names (links followed), or null if there is none, or
     * when this platform has no inodes to compare (then nothing is checked).
     *
     * @throws StoreException when the file cannot be looked at (a parent directory not searchable):
     *         not evidence of a replacement, but nothing done meanwhile can be counted either
     */
    static Key keyOrNull(Path path) {
        try {
            Map<String, Object> attributes = Files.readAttributes(path, "unix:dev,ino");
            return new Key(attributes.get("dev"), attributes.get("ino"));
        } catch (NoSuchFileException e) {
            return null;
        } catch (UnsupportedOperationException e) {
            return null;
        } catch (IOException e) {
            throw new StoreException(Kind.UNAVAILABLE, "sqlite:" + path + ": cannot check that the file is still the"
                    + " one this process has open (" + e + "). Check the permissions of its directory.", e);
        }
    }
}
