// Runs before this consumer's build (maven-invoker-plugin pre-build hook).
//
// 1. Every ```java block of the top-level README.md is written, verbatim, into src/main/java as the compilation unit
//    it must be (package declaration optional, one public top-level type named like the file), so that a README
//    edit that breaks an example, or drops an import it needs, breaks the build.
// 2. Every <dependency> element and <dependencyManagement> block in README's ```xml blocks must appear, element for
//    element (whitespace and comments aside), in this consumer's POM or the azure-identity consumer's: the lines the
//    README tells users to paste are the lines these builds converge with.
import java.nio.file.Files
import java.nio.file.Path

Path readmeFile = Path.of(readme)
String text = Files.readString(readmeFile)
Path root = basedir.toPath()

def fail = { String message -> throw new IllegalStateException("README.md: " + message) }

// --- 1. Java examples ---
def javaBlocks = (text =~ /(?ms)^```java\n(.*?)^```\s*$/).collect { it[1] }
if (javaBlocks.isEmpty()) {
  fail("no ```java block found; the README's examples are compiled by this consumer")
}
Path sources = root.resolve("src/main/java")
Set<String> seen = new HashSet<>()
javaBlocks.eachWithIndex { String code, int i ->
  def type = (code =~ /(?m)^public\s+(?:final\s+|abstract\s+)*(?:class|record|interface|enum)\s+(\w+)/)
  if (!type.find()) {
    fail("```java block " + (i + 1) + " is not a compilation unit (no public top-level type); show the example whole, imports included:\n" + code)
  }
  String name = type.group(1)
  def pkg = (code =~ /(?m)^package\s+([\w.]+)\s*;/)
  String dir = pkg.find() ? pkg.group(1).replace('.', '/') : ""
  Path file = sources.resolve(dir).resolve(name + ".java")
  if (!seen.add(file.toString())) {
    fail("two ```java blocks declare " + name + "; give each example its own type")
  }
  Files.createDirectories(file.getParent())
  Files.writeString(file, code)
  println("README example " + (i + 1) + " -> " + root.relativize(file))
}

// --- 2. Dependency lines ---
def normalize = { String xml -> xml.replaceAll(/(?s)<!--.*?-->/, "").replaceAll(/\s+/, "") }
String poms = ["readme-examples", "azure-identity"].collect {
  normalize(Files.readString(Path.of(consumerSources, it, "pom.xml")).replace("@project.version@", dualpushVersion))
}.join("")
def xmlBlocks = (text =~ /(?ms)^```xml\n(.*?)^```\s*$/).collect { it[1] }
if (xmlBlocks.isEmpty()) {
  fail("no ```xml block found; the README must show the dependency lines a consumer uses")
}
int checked = 0
xmlBlocks.each { String xml ->
  String flat = normalize(xml)
  def elements = (flat =~ /<dependencyManagement>.*?<\/dependencyManagement>/).collect { it }
  elements += (flat.replaceAll(/<dependencyManagement>.*?<\/dependencyManagement>/, "") =~ /<dependency>.*?<\/dependency>/).collect { it }
  elements.each { String element ->
    if (!poms.contains(element)) {
      fail("this dependency element is not what the consumer builds use (consumer-it/src/it/*/pom.xml); "
          + "README and those POMs must agree:\n" + element)
    }
    checked++
  }
}
println("README: " + javaBlocks.size() + " Java examples written, " + checked + " dependency elements match the consumer POMs")
return true
