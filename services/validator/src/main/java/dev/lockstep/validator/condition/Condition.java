package dev.lockstep.validator.condition;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A parsed gate condition over a query result: a small, explicit subset of Argo Rollouts'
 * expressions. The result is a list of numbers (one for a scalar or a one-element vector).
 *
 * <pre>
 * condition  := or
 * or         := and ( "||" and )*
 * and        := unary ( "&amp;&amp;" unary )*
 * unary      := "!" unary | "(" or ")" | quantifier | operand op operand
 * quantifier := ("all" | "any") "(" "result" "," ["{"] "#" op number ["}"] ")"
 * operand    := number | "result" | "result[" index "]" | "len(result)"
 * op         := "&lt;" | "&lt;=" | "&gt;" | "&gt;=" | "==" | "!="
 * </pre>
 *
 * {@code result} alone needs a result of exactly one value; {@code all} of an empty result is true
 * and {@code any} of it false (the caller treats an empty result as inconclusive first).
 */
public final class Condition {
  private final String text;
  private final Node root;

  private Condition(String text, Node root) {
    this.text = text;
    this.root = root;
  }

  /** Parses a condition; a {@link ConditionException} says where and why it is malformed. */
  public static Condition parse(String text) {
    if (text == null || text.isBlank()) {
      throw new ConditionException("the condition is empty");
    }
    Parser parser = new Parser(text);
    Node root = parser.or();
    parser.expectEnd();
    return new Condition(text, root);
  }

  /** Whether the condition holds on a result; a {@link ConditionException} when it cannot say. */
  public boolean test(List<Double> result) {
    return root.test(List.copyOf(result));
  }

  @Override
  public String toString() {
    return text;
  }

  private interface Node {
    boolean test(List<Double> result);
  }

  private interface Operand {
    double value(List<Double> result);
  }

  private static boolean compare(double left, String op, double right) {
    return switch (op) {
      case "<" -> left < right;
      case "<=" -> left <= right;
      case ">" -> left > right;
      case ">=" -> left >= right;
      case "==" -> left == right;
      default -> left != right;
    };
  }

  private static final class Parser {
    private final String text;
    private final List<Token> tokens;
    private int pos;

    Parser(String text) {
      this.text = text;
      this.tokens = tokenize(text);
    }

    Node or() {
      Node left = and();
      while (accept("||")) {
        Node l = left;
        Node r = and();
        left = result -> l.test(result) || r.test(result);
      }
      return left;
    }

    Node and() {
      Node left = unary();
      while (accept("&&")) {
        Node l = left;
        Node r = unary();
        left = result -> l.test(result) && r.test(result);
      }
      return left;
    }

    Node unary() {
      if (accept("!")) {
        Node inner = unary();
        return result -> !inner.test(result);
      }
      if (accept("(")) {
        Node inner = or();
        expect(")");
        return inner;
      }
      if (peekIs("all") || peekIs("any")) {
        return quantifier();
      }
      Operand left = operand();
      String op = op();
      Operand right = operand();
      return result -> compare(left.value(result), op, right.value(result));
    }

    Node quantifier() {
      boolean all = next().text.equals("all");
      expect("(");
      expect("result");
      expect(",");
      boolean braces = accept("{");
      expect("#");
      String op = op();
      double bound = number();
      if (braces) {
        expect("}");
      }
      expect(")");
      if (all) {
        return result -> result.stream().allMatch(v -> compare(v, op, bound));
      }
      return result -> result.stream().anyMatch(v -> compare(v, op, bound));
    }

    Operand operand() {
      Token token = peek();
      if (token == null) {
        throw error("a value is missing at the end");
      }
      if (token.number) {
        double value = number();
        return result -> value;
      }
      if (accept("len")) {
        expect("(");
        expect("result");
        expect(")");
        return List::size;
      }
      if (accept("result")) {
        if (accept("[")) {
          Token index = next();
          if (index == null || !index.text.matches("\\d+")) {
            throw error("an index (0, 1, ...) is expected after 'result['");
          }
          int i = Integer.parseInt(index.text);
          expect("]");
          return result -> {
            if (i >= result.size()) {
              throw new ConditionException(
                  "result[" + i + "] does not exist: the result has " + result.size() + " values");
            }
            return result.get(i);
          };
        }
        return result -> {
          if (result.size() != 1) {
            throw new ConditionException(
                "'result' needs exactly one value but the result has "
                    + result.size()
                    + "; use result[i], all(result, # < x) or any(result, # < x)");
          }
          return result.get(0);
        };
      }
      throw error("'" + token.text + "' is not a number, 'result', 'result[i]' or 'len(result)'");
    }

    String op() {
      Token token = next();
      if (token == null
          || !List.of("<", "<=", ">", ">=", "==", "!=").contains(token.text)
          || token.number) {
        throw error(
            "a comparison (<, <=, >, >=, ==, !=) is expected"
                + (token == null ? " at the end" : " instead of '" + token.text + "'"));
      }
      return token.text;
    }

    double number() {
      Token token = next();
      if (token == null || !token.number) {
        throw error(
            "a number is expected" + (token == null ? " at the end" : " at '" + token.text + "'"));
      }
      return Double.parseDouble(token.text);
    }

    void expectEnd() {
      if (pos < tokens.size()) {
        throw error("unexpected '" + tokens.get(pos).text + "'");
      }
    }

    void expect(String what) {
      Token token = next();
      if (token == null || !token.text.equals(what)) {
        throw error(
            "'"
                + what
                + "' is expected"
                + (token == null ? " at the end" : " instead of '" + token.text + "'"));
      }
    }

    boolean accept(String what) {
      Token token = peek();
      if (token != null && token.text.equals(what) && !token.number) {
        pos++;
        return true;
      }
      return false;
    }

    boolean peekIs(String what) {
      Token token = peek();
      return token != null && token.text.equals(what);
    }

    Token peek() {
      return pos < tokens.size() ? tokens.get(pos) : null;
    }

    Token next() {
      return pos < tokens.size() ? tokens.get(pos++) : null;
    }

    ConditionException error(String message) {
      return new ConditionException("bad condition '" + text + "': " + message);
    }

    private static List<Token> tokenize(String text) {
      List<Token> tokens = new ArrayList<>();
      int i = 0;
      while (i < text.length()) {
        char c = text.charAt(i);
        if (Character.isWhitespace(c)) {
          i++;
        } else if (Character.isDigit(c)
            || (c == '.' && i + 1 < text.length() && Character.isDigit(text.charAt(i + 1)))
            || (c == '-'
                && i + 1 < text.length()
                && (Character.isDigit(text.charAt(i + 1)) || text.charAt(i + 1) == '.')
                && expectsValue(tokens))) {
          int start = i++;
          while (i < text.length()
              && (Character.isDigit(text.charAt(i))
                  || text.charAt(i) == '.'
                  || text.charAt(i) == 'e'
                  || text.charAt(i) == 'E'
                  || ((text.charAt(i) == '-' || text.charAt(i) == '+')
                      && (text.charAt(i - 1) == 'e' || text.charAt(i - 1) == 'E')))) {
            i++;
          }
          String number = text.substring(start, i);
          try {
            Double.parseDouble(number);
          } catch (NumberFormatException e) {
            throw new ConditionException(
                "bad condition '" + text + "': '" + number + "' is not a number");
          }
          tokens.add(new Token(number, true));
        } else if (Character.isLetter(c)) {
          int start = i;
          while (i < text.length() && Character.isLetterOrDigit(text.charAt(i))) {
            i++;
          }
          String word = text.substring(start, i).toLowerCase(Locale.ROOT);
          if (!List.of("result", "all", "any", "len").contains(word)) {
            throw new ConditionException(
                "bad condition '"
                    + text
                    + "': unknown word '"
                    + text.substring(start, i)
                    + "' (known: result, all, any, len)");
          }
          tokens.add(new Token(word, false));
        } else {
          String two = i + 1 < text.length() ? text.substring(i, i + 2) : "";
          if (List.of("<=", ">=", "==", "!=", "&&", "||").contains(two)) {
            tokens.add(new Token(two, false));
            i += 2;
          } else if ("<>!()[]{},#".indexOf(c) >= 0) {
            tokens.add(new Token(String.valueOf(c), false));
            i++;
          } else {
            throw new ConditionException(
                "bad condition '" + text + "': unexpected character '" + c + "' at " + i);
          }
        }
      }
      return tokens;
    }

    private static boolean expectsValue(List<Token> tokens) {
      if (tokens.isEmpty()) {
        return true;
      }
      Token last = tokens.get(tokens.size() - 1);
      return !last.number && !List.of("result", "]", ")", "#").contains(last.text);
    }
  }

  private record Token(String text, boolean number) {}
}
