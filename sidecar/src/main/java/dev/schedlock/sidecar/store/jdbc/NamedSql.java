package dev.schedlock.sidecar.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A statement written with named parameters ({@code :name}), for the one-statement operations
 * whose values appear several times: each name is bound once, wherever it occurs. Values are
 * {@link String}, {@link Long}, {@link Integer} or {@code null}; a {@code null} is bound with the
 * SQL type of the name's {@link #nullAs} entry (text unless said otherwise).
 */
final class NamedSql {

    private static final Pattern NAME = Pattern.compile("(?<![:\\w]):([a-z][a-z0-9_]*)");

    private final String sql;
    private final List<String> order;

    private NamedSql(String sql, List<String> order) {
        this.sql = sql;
        this.order = List.copyOf(order);
    }

    static NamedSql of(String text) {
        Matcher m = NAME.matcher(text);
        StringBuilder out = new StringBuilder();
        List<String> order = new ArrayList<>();
        while (m.find()) {
            order.add(m.group(1));
            m.appendReplacement(out, "?");
        }
        m.appendTail(out);
        return new NamedSql(out.toString(), order);
    }

    /** The statement as the driver gets it, with {@code ?} for every parameter. */
    String sql() {
        return sql;
    }

    /** The parameter names in the order of their {@code ?}. */
    List<String> order() {
        return order;
    }

    /** Prepares the statement and binds {@code values}; every name used must have a value (maybe null). */
    PreparedStatement prepare(Connection c, Map<String, Object> values) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        try {
            for (int i = 0; i < order.size(); i++) {
                String name = order.get(i);
                if (!values.containsKey(name)) {
                    throw new IllegalArgumentException("no value for :" + name);
                }
                bind(ps, i + 1, values.get(name));
            }
            return ps;
        } catch (SQLException | RuntimeException e) {
            ps.close();
            throw e;
        }
    }

    private static void bind(PreparedStatement ps, int index, Object value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.VARCHAR);
        } else if (value instanceof String s) {
            ps.setString(index, s);
        } else if (value instanceof Long l) {
            ps.setLong(index, l);
        } else if (value instanceof Integer n) {
            ps.setInt(index, n);
        } else if (value instanceof NullLong) {
            ps.setNull(index, Types.BIGINT);
        } else {
            throw new IllegalArgumentException("cannot bind " + value.getClass().getName());
        }
    }

    /** A null that the database must read as a BIGINT (a text null would not fit an integer column). */
    enum NullLong {
        INSTANCE
    }

    /** {@code value}, or a typed BIGINT null. */
    static Object nullableLong(Long value) {
        return value == null ? NullLong.INSTANCE : value;
    }
}
