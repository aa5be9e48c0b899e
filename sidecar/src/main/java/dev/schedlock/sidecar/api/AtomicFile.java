package dev.schedlock.sidecar.api;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * Replaces a file atomically without following links: the signal file and the ready file, both in
 * directories that other processes may write to. The content goes to a new file beside the target,
 * created with {@code O_EXCL} under a random name (which refuses an existing name, a link included),
 * then {@code rename(2)} replaces whatever entry has the final name, a link itself rather than its
 * target. A reader never sees half a file.
 */
final class AtomicFile {

    /** rw-r--r-- (less if the umask says so): the reader may run as another user and must read it. */
    private static final String MODE = "rw-r--r--";
    private static final Set<OpenOption> CREATE_NEW = Set.of(StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    private static final SecureRandom RANDOM = new SecureRandom();

    private AtomicFile() {
    }

    /**
     * Writes {@code content} to a new file beside {@code file} and renames it over {@code file}. No
     * fsync: after a power loss the content is worthless anyway (a signal file's {@code validUntil}
     * has passed, a ready file's process is gone), and readers treat a file they cannot parse as absent.
     */
    static void replace(Path file, byte[] content) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = dir.resolve("." + file.getFileName() + "." + HexFormat.of().formatHex(randomBytes()) + ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temp, CREATE_NEW, permissions())) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            }
            // rename(2): atomic, and it replaces the directory entry of the target, never what a
            // link there points at.
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(temp); // removes a name, never follows it
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[8];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    private static FileAttribute<?>[] permissions() {
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[0];
        }
        return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(MODE))};
    }
}
