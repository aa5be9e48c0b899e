package dev.schedlock.operator.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 in hex, for names, identities and desired-state hashes: short, stable, not secret. */
public final class Hashes {

    private Hashes() {
    }

    /** The first {@code bytes} bytes of the SHA-256 of {@code text} (UTF-8), as {@code 2 × bytes} hex digits. */
    public static String sha256Hex(String text, int bytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
