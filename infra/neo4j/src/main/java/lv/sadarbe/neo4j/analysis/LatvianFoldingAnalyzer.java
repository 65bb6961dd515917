package lv.sadarbe.neo4j.analysis;

import java.util.HashSet;
import java.util.Set;

import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.StopFilter;
import org.apache.lucene.analysis.StopwordAnalyzerBase;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.lv.LatvianAnalyzer;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.miscellaneous.KeywordRepeatFilter;
import org.apache.lucene.analysis.miscellaneous.RemoveDuplicatesTokenFilter;
import org.apache.lucene.analysis.standard.StandardTokenizer;

/**
 * Latvian text for Sadarbe's search: words as the standard tokenizer cuts them, lower-cased,
 * Latvian stop words dropped, then each word indexed twice at one position, as written and as its
 * Latvian stem (nouns, adjectives and the commonest verb endings: {@link LatvianStemFilter}), both
 * folded to ASCII ("drošības" gives "drosibas" and "drosib").
 *
 * <p>The stem finds the other inflected forms ("drošība", "drošību"); the word as written keeps
 * type-ahead prefixes working, since a prefix typed past a stem's end ("drošīb*") still begins
 * the written form. Stemming comes before folding because the Latvian stemmer reads the long
 * vowels and softened consonants. Prefix terms are not analysed by Lucene's query parser, only
 * normalised: {@link #normalize} lower-cases and folds them to match.
 */
public final class LatvianFoldingAnalyzer extends StopwordAnalyzerBase {

    public LatvianFoldingAnalyzer() {
        super(stopWords());
    }

    /**
     * Lucene's Latvian stop words, also as typed without diacritics, less "it": as a particle it
     * carries nothing, but "IT" (information technology) is a word people search for.
     */
    static CharArraySet stopWords() {
        Set<String> words = new HashSet<>();
        for (Object word : LatvianAnalyzer.getDefaultStopSet()) {
            String text = new String((char[]) word);
            words.add(text);
            words.add(fold(text));
        }
        words.remove("it");
        return CharArraySet.unmodifiableSet(new CharArraySet(words, false));
    }

    static String fold(String word) {
        char[] out = new char[word.length() * 4];
        int length = ASCIIFoldingFilter.foldToASCII(word.toCharArray(), 0, out, 0, word.length());
        return new String(out, 0, length);
    }

    @Override
    protected TokenStreamComponents createComponents(String fieldName) {
        Tokenizer source = new StandardTokenizer();
        TokenStream result = new LowerCaseFilter(source);
        result = new StopFilter(result, stopwords);
        result = new KeywordRepeatFilter(result);
        result = new LatvianStemFilter(result);
        result = new ASCIIFoldingFilter(result);
        result = new RemoveDuplicatesTokenFilter(result);
        return new TokenStreamComponents(source, result);
    }

    @Override
    protected TokenStream normalize(String fieldName, TokenStream in) {
        return new ASCIIFoldingFilter(new LowerCaseFilter(in));
    }
}
