package dev.schedlock.operator.api.v1alpha1;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.re2j.Pattern;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks a value against a schema of the committed CRD as an API server does before it stores an
 * object: OpenAPI {@code pattern}, {@code minLength} and {@code maxLength}, and the CEL rules
 * ({@code x-kubernetes-validations}). CEL-Java with the strings extension stands in for the API
 * server's cel-go; the rules use nothing beyond that. Patterns run on RE2J, with the API server's
 * RE2 semantics: {@code java.util.regex} would let {@code $} match before a final newline. Compiled rules and patterns are kept, so that
 * thousands of checks stay fast.
 */
final class CrdSchemaCheck {

    private static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
            .addVar("self", SimpleType.DYN)
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addLibraries(CelExtensions.strings())
            .build();
    private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder()
            .addLibraries(CelExtensions.strings())
            .build();
    private static final Map<String, CelRuntime.Program> PROGRAMS = new ConcurrentHashMap<>();
    private static final Map<String, Pattern> PATTERNS = new ConcurrentHashMap<>();

    private CrdSchemaCheck() {
    }

    /** Every violation of {@code schema} by {@code value} and its properties, each as "path: what". */
    static List<String> violations(JsonNode schema, JsonNode value) throws Exception {
        List<String> violations = new ArrayList<>();
        check(schema, value, "", violations);
        return violations;
    }

    private static void check(JsonNode schemaNode, JsonNode value, String path, List<String> violations)
            throws Exception {
        if (value.isTextual()) {
            checkString(schemaNode, value.asText(), path, violations);
        }
        for (JsonNode rule : schemaNode.path("x-kubernetes-validations")) {
            Object result;
            try {
                result = program(rule.get("rule").asText()).eval(Map.of("self", toCel(value)));
            } catch (CelEvaluationException e) {
                // The API server reports a rule that fails to evaluate as invalid too.
                result = e;
            }
            if (!Boolean.TRUE.equals(result)) {
                violations.add(path + ": " + rule.path("message").asText(rule.get("rule").asText()));
            }
        }
        if (value.isObject()) {
            for (Map.Entry<String, JsonNode> p : schemaNode.path("properties").properties()) {
                if (value.has(p.getKey())) {
                    check(p.getValue(), value.get(p.getKey()), path.isEmpty() ? p.getKey() : path + "." + p.getKey(),
                            violations);
                }
            }
        }
    }

    private static void checkString(JsonNode schemaNode, String text, String path, List<String> violations) {
        int length = text.codePointCount(0, text.length());
        if (schemaNode.has("pattern") && !PATTERNS.computeIfAbsent(schemaNode.get("pattern").asText(),
                Pattern::compile).matcher(text).find()) {
            violations.add(path + ": does not match pattern " + schemaNode.get("pattern").asText());
        }
        if (schemaNode.has("minLength") && length < schemaNode.get("minLength").asInt()) {
            violations.add(path + ": shorter than minLength " + schemaNode.get("minLength").asInt());
        }
        if (schemaNode.has("maxLength") && length > schemaNode.get("maxLength").asInt()) {
            violations.add(path + ": longer than maxLength " + schemaNode.get("maxLength").asInt());
        }
    }

    private static CelRuntime.Program program(String rule) {
        return PROGRAMS.computeIfAbsent(rule, r -> {
            try {
                CelAbstractSyntaxTree ast = COMPILER.compile(r).getAst();
                return RUNTIME.createProgram(ast);
            } catch (Exception e) {
                throw new IllegalStateException("CEL rule does not compile: " + r, e);
            }
        });
    }

    /** JSON as CEL-Java takes it: maps, lists, strings, booleans, longs and doubles. */
    static Object toCel(JsonNode node) {
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                if (!e.getValue().isNull()) { // an absent field, as the API server stores it
                    map.put(e.getKey(), toCel(e.getValue()));
                }
            }
            return map;
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>();
            node.forEach(n -> list.add(toCel(n)));
            return list;
        }
        if (node.isIntegralNumber()) {
            return node.asLong();
        }
        if (node.isNumber()) {
            return node.asDouble();
        }
        if (node.isBoolean()) {
            return node.asBoolean();
        }
        return node.asText();
    }
}
