package dev.schedlock.charts;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression (or a Grafana {@code label_values(…)} query) reads. Good
 * enough for the expressions in this repository: strings, label matchers, ranges and label lists
 * are removed first, then every identifier that is not a function, an aggregation or a keyword
 * is a metric name.
 */
final class PromQlNames {

    private static final Pattern STRING = Pattern.compile("\"(\\\\.|[^\"\\\\])*\"|'(\\\\.|[^'\\\\])*'|`[^`]*`");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
    private static final Pattern LABEL_LIST = Pattern.compile(
            "\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern LABEL_VALUES = Pattern.compile("^\\s*label_values\\((.*),\\s*[a-zA-Z_]\\w*\\s*\\)\\s*$");
    private static final Pattern TOKEN = Pattern.compile("\\d+(\\.\\d+)?[a-zA-Z]*|\\$\\w+|[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
            "bool", "and", "or", "unless", "offset", "atan2", "inf", "nan", "Inf", "NaN");

    private PromQlNames() {
    }

    static Set<String> of(String expression) {
        String e = expression;
        Matcher labelValues = LABEL_VALUES.matcher(e);
        if (labelValues.matches()) {
            e = labelValues.group(1); // Grafana's label_values(<selector>, <label>)
        }
        e = STRING.matcher(e).replaceAll(" ");
        e = MATCHERS.matcher(e).replaceAll(" ");
        e = RANGE.matcher(e).replaceAll(" ");
        e = LABEL_LIST.matcher(e).replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher m = TOKEN.matcher(e);
        while (m.find()) {
            String token = m.group();
            boolean call = e.substring(m.end()).stripLeading().startsWith("(");
            if (Character.isLetter(token.charAt(0)) || token.charAt(0) == '_' || token.charAt(0) == ':') {
                if (!call && !KEYWORDS.contains(token)) {
                    names.add(token);
                }
            }
        }
        return names;
    }
}
