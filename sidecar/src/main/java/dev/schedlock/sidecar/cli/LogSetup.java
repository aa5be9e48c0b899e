package dev.schedlock.sidecar.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.schedlock.rules.PrintableText;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Logging for the sidecar process: java.util.logging to stderr, plain by default or one JSON
 * object per line. Every line carries the lock, the holder id and the current fencing token from
 * a context supplier, so lease lines can be correlated with metrics and status. Nothing here ever
 * logs credentials: the store's messages are written without them.
 */
public final class LogSetup {

    /** {@code plain} or {@code json}. */
    public enum Format { PLAIN, JSON }

    private LogSetup() {
    }

    /**
     * Replaces the root handlers.
     *
     * @param context fields added to every line (lock, holder, token); may return an empty map
     */
    public static void configure(Format format, String level, Supplier<Map<String, Object>> context) {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        Level julLevel = parseLevel(level);
        ConsoleHandler handler = new ConsoleHandler();
        handler.setLevel(julLevel);
        handler.setFormatter(format == Format.JSON ? new JsonFormatter(context) : new PlainFormatter(context));
        root.addHandler(handler);
        root.setLevel(julLevel);
        // Third-party chatter stays at WARNING unless asked for debug.
        if (julLevel.intValue() > Level.FINE.intValue()) {
            Logger.getLogger("org.sqlite").setLevel(Level.WARNING);
            Logger.getLogger("org.postgresql").setLevel(Level.WARNING);
            Logger.getLogger("sun.net.httpserver").setLevel(Level.WARNING);
        }
    }

    static Level parseLevel(String level) {
        return switch (level.toLowerCase(Locale.ROOT)) {
            case "debug" -> Level.FINE;
            case "trace" -> Level.FINEST;
            case "warn", "warning" -> Level.WARNING;
            case "error" -> Level.SEVERE;
            default -> Level.INFO;
        };
    }

    static String levelName(Level level) {
        if (level.intValue() >= Level.SEVERE.intValue()) {
            return "ERROR";
        }
        if (level.intValue() >= Level.WARNING.intValue()) {
            return "WARN";
        }
        if (level.intValue() >= Level.INFO.intValue()) {
            return "INFO";
        }
        return "DEBUG";
    }

    private static String shortName(String logger) {
        if (logger == null) {
            return "";
        }
        int dot = logger.lastIndexOf('.');
        return dot < 0 ? logger : logger.substring(dot + 1);
    }

    /**
     * Formats like {@link Formatter#formatMessage} but prints numbers plainly: MessageFormat would
     * write a fencing token of 1234 as "1,234".
     */
    static String plainMessage(Formatter formatter, LogRecord record) {
        Object[] params = record.getParameters();
        if (params != null) {
            Object[] copy = params.clone();
            for (int i = 0; i < copy.length; i++) {
                if (copy[i] instanceof Number n) {
                    copy[i] = String.valueOf(n);
                }
            }
            record.setParameters(copy);
        }
        return formatter.formatMessage(record);
    }

    private static String stackTrace(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    static final class PlainFormatter extends Formatter {
        private final Supplier<Map<String, Object>> context;

        PlainFormatter(Supplier<Map<String, Object>> context) {
            this.context = context;
        }

        @Override
        public String format(LogRecord record) {
            // One record, one line: a holder id or a store message with a newline or an escape
            // sequence in it (a row written by another tool) must not forge further lines.
            String message = PrintableText.escape(plainMessage(this, record));
            StringBuilder line = new StringBuilder();
            line.append(Instant.ofEpochMilli(record.getMillis())).append(' ')
                    .append(String.format("%-5s", levelName(record.getLevel()))).append(' ')
                    .append(shortName(record.getLoggerName())).append(' ');
            if (!message.startsWith("lock=")) {
                for (Map.Entry<String, Object> e : context.get().entrySet()) {
                    line.append(e.getKey()).append('=').append(e.getValue()).append(' ');
                }
            }
            line.append(message).append(System.lineSeparator());
            if (record.getThrown() != null) {
                line.append(stackTrace(record.getThrown()));
            }
            return line.toString();
        }
    }

    static final class JsonFormatter extends Formatter {
        private final Supplier<Map<String, Object>> context;
        private final ObjectMapper json = new ObjectMapper();

        JsonFormatter(Supplier<Map<String, Object>> context) {
            this.context = context;
        }

        @Override
        public String format(LogRecord record) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("ts", Instant.ofEpochMilli(record.getMillis()).toString());
            line.put("level", levelName(record.getLevel()));
            line.put("logger", record.getLoggerName());
            line.putAll(context.get());
            line.put("msg", plainMessage(this, record));
            if (record.getThrown() != null) {
                line.put("error", stackTrace(record.getThrown()));
            }
            try {
                return json.writeValueAsString(line) + System.lineSeparator();
            } catch (Exception e) {
                return "{\"level\":\"ERROR\",\"msg\":\"log line could not be encoded\"}" + System.lineSeparator();
            }
        }
    }
}
