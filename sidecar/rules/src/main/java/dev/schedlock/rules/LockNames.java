package dev.schedlock.rules;

import java.util.regex.Pattern;

/** Lock names: the key of the lock row, chosen by people and shown in logs, metrics and status. */
public final class LockNames {

    /**
     * 1-128 letters, digits, {@code .}, {@code _} or {@code -}, starting with a letter or digit;
     * the CRD's OpenAPI {@code pattern} of {@code spec.lease.lockName} is this string.
     */
    public static final String PATTERN = "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$";

    private static final Pattern NAME = Pattern.compile(PATTERN);

    private LockNames() {
    }

    /** True if {@code name} is a valid lock name. */
    public static boolean isValid(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /**
     * Refuses an invalid lock name.
     *
     * @param setting how the caller names the setting in its message ({@code lock-name}, {@code lockName})
     * @throws IllegalArgumentException naming {@code setting} and saying what to write
     */
    public static void require(String setting, String name) {
        if (!isValid(name)) {
            throw new IllegalArgumentException(setting + " " + PrintableText.quote(name) + " is not valid: use 1-128"
                    + " letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
    }
}
