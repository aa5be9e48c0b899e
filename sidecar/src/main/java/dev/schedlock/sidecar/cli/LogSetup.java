package dev.schedlock.sidecar.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.schedlock.rules.PrintableText;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

    /**
     * One JSON object per line in the product's log schema (docs/operations.md, "Log lines"): the
     * keys of logback's {@code JsonEncoder} as the operator configures it, so that one query reads
     * the lines of both. The lease fields are in {@code mdc}, never only in the message: a lease
     * line's {@code lock=… holder=… token=…:} prefix becomes the fields {@code lock}, {@code holder}
     * and {@code token} (the values of that event), and the rest of the line is the message.
     */
    static final class JsonFormatter extends Formatter {
        /** A lease line: the first two or three parameters are lock, holder and token. */
        private static final Pattern LEASE_PREFIX = Pattern.compile("^lock=\\{0\\} holder=\\{1\\}( token=\\{2\\})?: ");
        private static final int MAX_CAUSES = 8;

        private final Supplier<Map<String, Object>> context;
        private final ObjectMapper json = new ObjectMapper();

        JsonFormatter(Supplier<Map<String, Object>> context) {
            this.context = context;
        }

        @Override
        public String format(LogRecord record) {
            Map<String, String> mdc = new LinkedHashMap<>();
            context.get().forEach((key, value) -> mdc.put(key, String.valueOf(value)));
            String message = plainMessage(this, record);
            Matcher lease = LEASE_PREFIX.matcher(record.getMessage() == null ? "" : record.getMessage());
            Object[] params = record.getParameters();
            if (lease.find() && params != null && params.length >= (lease.group(1) == null ? 2 : 3)) {
                String prefix = "lock=" + params[0] + " holder=" + params[1]
                        + (lease.group(1) == null ? "" : " token=" + params[2]) + ": ";
                if (message.startsWith(prefix)) {
                    message = message.substring(prefix.length());
                    mdc.put("lock", String.valueOf(params[0]));
                    mdc.put("holder", String.valueOf(params[1]));
                    if (lease.group(1) != null) {
                        mdc.put("token", String.valueOf(params[2]));
                    }
                }
            }
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("timestamp", record.getMillis());
            line.put("level", levelName(record.getLevel()));
            line.put("threadName", threadName(record));
            line.put("loggerName", record.getLoggerName());
            line.put("mdc", mdc);
            line.put("formattedMessage", message);
            line.put("throwable", record.getThrown() == null ? null : throwable(record.getThrown(), 0));
            try {
                return json.writeValueAsString(line) + System.lineSeparator();
            } catch (Exception e) {
                return "{\"level\":\"ERROR\",\"formattedMessage\":\"log line could not be encoded\"}"
                        + System.lineSeparator();
            }
        }

        /** The logging thread's name when it is the current thread (it is: the handler is synchronous). */
        private static String threadName(LogRecord record) {
            Thread current = Thread.currentThread();
            return current.getId() == record.getLongThreadID() ? current.getName() : "thread-" + record.getLongThreadID();
        }

        /** As logback writes one: class, message, frames, and the cause in the same form. */
        private static Map<String, Object> throwable(Throwable t, int depth) {
            Map<String, Object> node = new LinkedHashMap<>();
            node.put("className", t.getClass().getName());
            node.put("message", t.getMessage());
            List<Map<String, Object>> steps = new ArrayList<>();
            for (StackTraceElement e : t.getStackTrace()) {
                Map<String, Object> step = new LinkedHashMap<>();
                step.put("className", e.getClassName());
                step.put("methodName", e.getMethodName());
                step.put("fileName", e.getFileName());
                step.put("lineNumber", e.getLineNumber());
                steps.add(step);
            }
            node.put("stepArray", steps);
            if (t.getCause() != null && t.getCause() != t && depth < MAX_CAUSES) {
                node.put("cause", throwable(t.getCause(), depth + 1));
            }
            return node;
        }
    }
}
