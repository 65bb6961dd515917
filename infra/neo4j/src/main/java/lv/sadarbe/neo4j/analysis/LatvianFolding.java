package lv.sadarbe.neo4j.analysis;

import org.apache.lucene.analysis.Analyzer;
import org.neo4j.graphdb.schema.AnalyzerProvider;

/**
 * The {@code latvian-folding} full-text analyzer, found by Neo4j through
 * {@code META-INF/services/org.neo4j.graphdb.schema.AnalyzerProvider} on its classpath: the
 * launcher's own jar, or this package's plugin jar in a Neo4j server's {@code plugins/}.
 */
public final class LatvianFolding extends AnalyzerProvider {

    public static final String NAME = "latvian-folding";

    public LatvianFolding() {
        super(NAME);
    }

    @Override
    public Analyzer createAnalyzer() {
        return new LatvianFoldingAnalyzer();
    }

    @Override
    public String description() {
        return "Latvian: stems each word (keeping the word as written too), then folds diacritics to ASCII;"
                + " Latvian stop words";
    }
}
