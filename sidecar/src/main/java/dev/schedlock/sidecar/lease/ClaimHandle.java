package dev.schedlock.sidecar.lease;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * The secret a claim's grant carries: whoever holds it may renew or return that claim, and nobody
 * else may, whatever client name they use. 128 random bits from {@link SecureRandom}, written in
 * URL-safe Base64 without padding (22 characters), so that it fits a JSON string, a header and a
 * shell variable without quoting.
 *
 * <p>A handle is never logged and never shown in a snapshot, a metric, the status server or the
 * signal file: it only travels in the answer to the claim that created it.
 */
public final class ClaimHandle {

    private static final SecureRandom RANDOM = new SecureRandom();

    static {
        // The first draw seeds the generator (tens of milliseconds in a young JVM): done when the
        // class is initialized, which the control API does at start-up, not in the first claim.
        RANDOM.nextBytes(new byte[16]);
    }
    /** What a caller may send: the alphabet of {@link #next()}, with room for a longer format later. */
    private static final Pattern FORMAT = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private ClaimHandle() {
    }

    /** A new, unpredictable handle. */
    static String next() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Whether {@code text} has the form of a handle (not whether it is anybody's). */
    public static boolean isWellFormed(String text) {
        return text != null && FORMAT.matcher(text).matches();
    }

    /**
     * Compares in time that does not depend on where the two differ, so that a caller cannot guess
     * a handle character by character from response times. Null matches nothing.
     */
    static boolean matches(String expected, String presented) {
        if (expected == null || presented == null) {
            return false;
        }
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                presented.getBytes(StandardCharsets.US_ASCII));
    }
}
