package lv.sadarbe.neo4j.analysis;

import java.io.IOException;

import org.apache.lucene.analysis.TokenFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.lv.LatvianStemmer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.KeywordAttribute;

/**
 * Lucene's Latvian stemmer, which knows the endings of nouns and adjectives, plus the commonest
 * verb endings it leaves alone: the infinitive's -t after a vowel ("izstrādāt", "plānot") and the
 * -j- of the past and of the present plural ("izstrādāja", "izstrādājam"), so that each meets its
 * other forms ("izstrādā", "plāno") at one stem. Short vowels count too, so that a word typed
 * without diacritics ("izstradat", "kvalitates") meets the same stem. The -ij- of nouns
 * ("ministrija") is kept. Keywords are left as they are.
 */
final class LatvianStemFilter extends TokenFilter {

    /** Below this a word ending in vowel + j is a noun ("māja"), not a verb form. */
    private static final int MIN_VERB_LENGTH = 6;

    private final LatvianStemmer stemmer = new LatvianStemmer();
    private final CharTermAttribute term = addAttribute(CharTermAttribute.class);
    private final KeywordAttribute keyword = addAttribute(KeywordAttribute.class);

    LatvianStemFilter(TokenStream input) {
        super(input);
    }

    @Override
    public boolean incrementToken() throws IOException {
        if (!input.incrementToken()) {
            return false;
        }
        if (!keyword.isKeyword()) {
            term.setLength(stem(term.buffer(), term.length()));
        }
        return true;
    }

    int stem(char[] s, int length) {
        int len = stemmer.stem(s, length);
        if (len >= MIN_VERB_LENGTH && s[len - 1] == 't' && vowel(s[len - 2])) {
            len = stemmer.stem(s, len - 1); // izstrādāt, izstrādāts → izstrādā → izstrād
        } else if (len >= MIN_VERB_LENGTH && s[len - 1] == 'j' && vowel(s[len - 2]) && s[len - 2] != 'i') {
            len -= 2; // izstrādāja, izstrādājam → izstrādāj → izstrād
        }
        return len;
    }

    private static boolean vowel(char c) {
        return "aāeēiīouū".indexOf(c) >= 0;
    }
}
