import { graphql } from "../gql";

export const LookupsQuery = graphql(`
  query Lookups {
    institutions(first: 100) {
      nodes {
        id
        code
        nameLv
        nameEn
        kind
      }
    }
    skills(first: 100) {
      nodes {
        id
        name
      }
    }
    planDirections {
      id
      number
      titleLv
      titleEn
    }
  }
`);

export function instName(i: { nameLv: string; nameEn: string }, lng: string): string {
  return lng === "en" ? i.nameEn : i.nameLv;
}
